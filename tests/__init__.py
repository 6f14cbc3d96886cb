from . import (
    test_access_rights,
    test_concurrency,
    test_edit_tours,
    test_engagement,
    test_enrollment,
    test_execution,
    test_lifecycle,
    test_sequence_builder,
    test_timing,
    test_tours,
    test_tracking,
    test_tracking_tours,
)
