//! Battle.net (Blizzard) OAuth 2.0 client and API access, built on
//! [`oauth_core`].
#![forbid(unsafe_code)]
#![warn(missing_docs, missing_debug_implementations)]

mod error;
mod locale;
mod models;
mod namespace;
mod provider;
mod region;

pub use oauth_core;

pub use crate::error::{Error, InputError};
pub use crate::locale::Locale;
pub use crate::models::{TokenInfo, UserInfo};
pub use crate::namespace::{Namespace, NamespaceKind};
pub use crate::provider::{BattleNetProvider, Hosts};
pub use crate::region::Region;
