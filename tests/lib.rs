//! Workspace integration tests; the tests live in `tests/`.
#![forbid(unsafe_code)]
