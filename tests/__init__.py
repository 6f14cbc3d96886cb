from . import test_engagement, test_enrollment, test_execution, test_timing
