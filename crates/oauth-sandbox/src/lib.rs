//! A real OAuth 2.0 authorization server on loopback (being written).
#![forbid(unsafe_code)]
