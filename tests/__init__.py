from . import test_execution
