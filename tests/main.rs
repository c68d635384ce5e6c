//! The workspace's integration tests, in one binary: the fault matrix, the
//! secret canary, TLS, the hostile suite and the interop tests against
//! oidc-provider, each a module.
#![forbid(unsafe_code)]

mod fault_matrix;
mod hostile;
mod interop;
mod proxy;
mod secret_canary;
mod tls;
