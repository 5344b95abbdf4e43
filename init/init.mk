# Guest /init. Files listed in INIT_HOST_TESTABLE are pure logic (no PID-1
# side effects) and are also linked into the host unit tests.
INIT_HOST_TESTABLE :=
