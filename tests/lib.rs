//! Workspace integration tests; the tests live in `tests/`.
