from . import (
    test_concurrency,
    test_engagement,
    test_enrollment,
    test_execution,
    test_lifecycle,
    test_timing,
    test_tracking,
)
from . import test_sequence_builder
from . import test_access_rights
