//! The Battle.net API catalogue: one table of every documented endpoint
//! (path, namespace kind, token, paging), and the typed accessors made from
//! it.
//!
//! Source: Blizzard's API documentation,
//! <https://develop.battle.net/documentation/world-of-warcraft/game-data-apis>,
//! `…/world-of-warcraft/profile-apis`, `…/world-of-warcraft-classic/game-data-apis`,
//! `…/world-of-warcraft-classic/profile-apis`, `…/diablo-3/community-apis`,
//! `…/diablo-3/game-data-apis`, `…/hearthstone/game-data-apis`,
//! `…/starcraft-2/community-apis`, `…/starcraft-2/game-data-apis` and
//! `…/battle-net/oauth-apis`. The table was written on 2026-12-01 on a
//! machine without access to those pages, from the endpoints they document,
//! and cross-checked against an independent client's list of the same
//! endpoints (the `FuzzyStatic/blizzard` Go client); five WoW Classic rows
//! could not be confirmed that way (the token index; creature, item and
//! media search; character appearance) and should be checked against the
//! pages first. 287 endpoints — World of Warcraft 181 (Game Data 140,
//! Profile 41), WoW Classic 58, Diablo III 20, Hearthstone 7, StarCraft II
//! 15, OAuth 6 (a test keeps the count). Each game's table is one
//! `endpoint_table!` block in this folder;
//! the macro makes both the table rows ([`endpoints`]) and the accessor
//! methods from the same tokens, so the two cannot drift.

mod call;
mod classic;
mod diablo3;
mod hearthstone;
mod oauth;
mod starcraft2;
mod wow;

#[cfg(test)]
mod tests;

use std::fmt;

pub use self::call::{Call, Paginated, Search, SearchPages};
pub use self::classic::{WowClassic, WowClassicCharacter, WowClassicGuild};
pub use self::diablo3::{Diablo3, Diablo3Profile};
pub use self::hearthstone::{Hearthstone, HearthstoneCardBacks, HearthstoneCards};
pub use self::starcraft2::{StarCraft2, StarCraft2Profile};
pub use self::wow::{Wow, WowAccount, WowCharacter, WowGuild};

use crate::client::BattleNetClient;
use crate::error::{Error, InputError};
use crate::namespace::{Namespace, NamespaceKind};

/// A game (or Battle.net itself, for the OAuth endpoints).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Game {
    /// World of Warcraft (retail).
    Wow,
    /// World of Warcraft Classic (every Classic release, chosen by namespace).
    WowClassic,
    /// Diablo III.
    Diablo3,
    /// Hearthstone.
    Hearthstone,
    /// StarCraft II.
    StarCraft2,
    /// Battle.net's OAuth endpoints.
    BattleNet,
}

/// Which of a game's APIs an endpoint belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ApiKind {
    /// Game Data APIs (`/data/…`, Hearthstone's `/hearthstone/…`).
    GameData,
    /// Profile APIs (`/profile/…`, a player's data).
    Profile,
    /// Community APIs (Diablo III and StarCraft II's older ones).
    Community,
    /// OAuth endpoints, on the OAuth host.
    OAuth,
}

/// The namespace an endpoint wants.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum NamespaceNeed {
    /// `static-{region}` (or `static-{release}-{region}` for Classic).
    Static,
    /// `dynamic-{region}`.
    Dynamic,
    /// `profile-{region}`.
    Profile,
    /// No namespace (Diablo III, Hearthstone, StarCraft II, OAuth).
    None,
}

impl NamespaceNeed {
    /// The namespace kind, unless none is sent.
    #[must_use]
    pub fn kind(self) -> Option<NamespaceKind> {
        match self {
            NamespaceNeed::Static => Some(NamespaceKind::Static),
            NamespaceNeed::Dynamic => Some(NamespaceKind::Dynamic),
            NamespaceNeed::Profile => Some(NamespaceKind::Profile),
            NamespaceNeed::None => None,
        }
    }
}

/// The token an endpoint accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TokenNeed {
    /// An app token (client credentials); a user token works too.
    App,
    /// A user token granted this scope (`wow.profile`, `openid`, …).
    User(&'static str),
    /// No bearer token (the OAuth endpoints authenticate the client
    /// instead, or are public).
    None,
}

/// How a search endpoint takes its page, page size and order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Paging {
    /// The page number parameter (from 1).
    pub page: &'static str,
    /// The page size parameter.
    pub page_size: &'static str,
    /// The ordering parameter.
    pub order: &'static str,
    /// The largest page size the API documents (`u32::MAX` for none).
    pub max_page_size: u32,
}

/// World of Warcraft's search: `_page`, `_pageSize` (up to 1000), `orderby`.
pub const WOW_PAGING: Paging = Paging {
    page: "_page",
    page_size: "_pageSize",
    order: "orderby",
    max_page_size: 1000,
};

/// Hearthstone's card and card back search: `page`, `pageSize`, `sort`
/// (no largest page size is documented).
pub const HEARTHSTONE_PAGING: Paging = Paging {
    page: "page",
    page_size: "pageSize",
    order: "sort",
    max_page_size: u32::MAX,
};

/// One endpoint of the catalogue.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Endpoint {
    /// The accessor's name, as `group.method` (`wow.playable_class`,
    /// `wow_character.equipment`).
    pub name: &'static str,
    /// The game.
    pub game: Game,
    /// The API.
    pub api: ApiKind,
    /// `GET` or `POST`.
    pub method: &'static str,
    /// The path template, its parameters in braces:
    /// `/data/wow/playable-class/{playableClassId}`.
    pub path: &'static str,
    /// The namespace it wants.
    pub namespace: NamespaceNeed,
    /// The token it accepts.
    pub token: TokenNeed,
    /// Documented query parameters beyond `namespace` and `locale`.
    pub query: &'static [&'static str],
    /// Paging, for search endpoints.
    pub paging: Option<Paging>,
}

impl Endpoint {
    /// The names of the path template's parameters, in order.
    pub fn path_params(&self) -> impl Iterator<Item = &'static str> {
        let path = self.path;
        path.split('{')
            .skip(1)
            .filter_map(|part| part.split_once('}').map(|(name, _)| name))
    }

    /// The path with `args` in place of the template's parameters, each
    /// percent-encoded as a path segment.
    ///
    /// # Errors
    /// [`InputError::InvalidEndpoint`] when the number of arguments is not
    /// the number of parameters, or an argument is empty.
    pub fn fill(&self, args: &[String]) -> Result<String, InputError> {
        let invalid = |reason: String| InputError::InvalidEndpoint {
            endpoint: self.path.to_owned(),
            reason,
        };
        let expected = self.path_params().count();
        if args.len() != expected {
            return Err(invalid(format!(
                "expected {expected} path parameters, got {}",
                args.len()
            )));
        }
        let mut out = String::with_capacity(self.path.len() + 16);
        let mut rest = self.path;
        let mut args = args.iter();
        while let Some(start) = rest.find('{') {
            out.push_str(&rest[..start]);
            let end = rest[start..]
                .find('}')
                .map_or(rest.len(), |e| start + e + 1);
            let name = &rest[start + 1..end.saturating_sub(1)];
            let arg = args.next().map_or("", String::as_str);
            if arg.is_empty() {
                return Err(invalid(format!("the path parameter `{name}` is empty")));
            }
            encode_segment(arg, &mut out);
            rest = &rest[end..];
        }
        out.push_str(rest);
        Ok(out)
    }
}

/// Percent-encodes everything but RFC 3986 unreserved characters, so an
/// argument stays one path segment (`/`, `?`, `#`, `..` and non-ASCII
/// names included).
fn encode_segment(arg: &str, out: &mut String) {
    if arg == "." || arg == ".." {
        for _ in 0..arg.len() {
            out.push_str("%2E");
        }
        return;
    }
    for byte in arg.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push('%');
            out.push(char::from(b"0123456789ABCDEF"[usize::from(byte >> 4)]));
            out.push(char::from(b"0123456789ABCDEF"[usize::from(byte & 15)]));
        }
    }
}

/// Every group's rows, game by game.
const TABLES: &[&[Endpoint]] = &[
    wow::ENDPOINTS,
    wow::profile::ENDPOINTS,
    wow::profile::guild::ENDPOINTS,
    wow::profile::account::ENDPOINTS,
    classic::ENDPOINTS,
    classic::profile::ENDPOINTS,
    classic::profile::guild::ENDPOINTS,
    diablo3::ENDPOINTS,
    diablo3::game_data::ENDPOINTS,
    diablo3::profile::ENDPOINTS,
    hearthstone::ENDPOINTS,
    hearthstone::cards::ENDPOINTS,
    hearthstone::card_backs::ENDPOINTS,
    starcraft2::ENDPOINTS,
    starcraft2::game_data::ENDPOINTS,
    starcraft2::profile::ENDPOINTS,
    oauth::ENDPOINTS,
];

/// Every endpoint of the catalogue, game by game.
///
/// ```
/// let wow = battlenet::catalogue::endpoints()
///     .filter(|e| e.game == battlenet::catalogue::Game::Wow)
///     .count();
/// assert!(wow > 150);
/// ```
pub fn endpoints() -> impl Iterator<Item = &'static Endpoint> {
    TABLES.iter().flat_map(|table| table.iter())
}

/// The accessors the `endpoint_table!` blocks made: name and argument count.
#[cfg(test)]
const ACCESSORS: &[&[(&str, usize)]] = &[
    wow::ACCESSORS,
    wow::profile::ACCESSORS,
    wow::profile::guild::ACCESSORS,
    wow::profile::account::ACCESSORS,
    classic::ACCESSORS,
    classic::profile::ACCESSORS,
    classic::profile::guild::ACCESSORS,
    diablo3::ACCESSORS,
    diablo3::game_data::ACCESSORS,
    diablo3::profile::ACCESSORS,
    hearthstone::ACCESSORS,
    hearthstone::cards::ACCESSORS,
    hearthstone::card_backs::ACCESSORS,
    starcraft2::ACCESSORS,
    starcraft2::game_data::ACCESSORS,
    starcraft2::profile::ACCESSORS,
];

/// What every accessor group holds: the client, the path parameters the
/// group was made with (a character's realm and name, say), and the WoW
/// Classic release its namespaces name.
#[derive(Clone)]
pub(crate) struct Scope<'a> {
    client: &'a BattleNetClient,
    args: Vec<String>,
    release: Option<&'a str>,
}

impl fmt::Debug for Scope<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Scope")
            .field("region", &self.client.region())
            .field("args", &self.args)
            .field("release", &self.release)
            .finish()
    }
}

impl<'a> Scope<'a> {
    pub(crate) fn new(client: &'a BattleNetClient) -> Self {
        Scope {
            client,
            args: Vec::new(),
            release: None,
        }
    }

    fn with_args(&self, args: impl IntoIterator<Item = String>) -> Self {
        let mut scope = self.clone();
        scope.args.extend(args);
        scope
    }

    fn with_release(&self, release: &'a str) -> Self {
        let mut scope = self.clone();
        scope.release = Some(release);
        scope
    }

    /// The namespace `endpoint` wants in this scope: the client's region,
    /// and the Classic release if any.
    fn namespace(&self, endpoint: &Endpoint) -> Result<Option<Namespace>, InputError> {
        let region = self.client.region();
        let Some(kind) = endpoint.namespace.kind() else {
            return Ok(None);
        };
        Ok(Some(match self.release {
            Some(release) => Namespace::classic(kind, release, region)?,
            None => match kind {
                NamespaceKind::Static => Namespace::static_data(region),
                NamespaceKind::Dynamic => Namespace::dynamic(region),
                NamespaceKind::Profile => Namespace::profile(region),
            },
        }))
    }

    fn call<T>(&self, endpoint: &'static Endpoint, args: Vec<String>) -> Call<'a, T> {
        let mut all = self.args.clone();
        all.extend(args);
        let prepared = self
            .check_release(endpoint)
            .and_then(|()| endpoint.fill(&all))
            .and_then(|path| Ok((path, self.namespace(endpoint)?)));
        Call::new(self.client, endpoint, prepared)
    }

    /// A WoW Classic row needs a release to name in its namespace; a
    /// retail row takes none.
    fn check_release(&self, endpoint: &Endpoint) -> Result<(), InputError> {
        let reason = match (endpoint.game, self.release) {
            (Game::WowClassic, None) => {
                "a WoW Classic endpoint needs a release (`classic_endpoint`, `wow_classic`)"
            }
            (Game::Wow, Some(_)) => "a retail World of Warcraft endpoint takes no Classic release",
            _ => return Ok(()),
        };
        Err(InputError::InvalidEndpoint {
            endpoint: endpoint.path.to_owned(),
            reason: reason.to_owned(),
        })
    }

    fn search<P>(&self, endpoint: &'static Endpoint, args: Vec<String>) -> Search<'a, P> {
        Search::new(self.call(endpoint, args))
    }
}

/// Parses an accessor row's namespace word.
macro_rules! namespace_need {
    (static) => {
        $crate::catalogue::NamespaceNeed::Static
    };
    (dynamic) => {
        $crate::catalogue::NamespaceNeed::Dynamic
    };
    (profile) => {
        $crate::catalogue::NamespaceNeed::Profile
    };
    (none) => {
        $crate::catalogue::NamespaceNeed::None
    };
}

/// Parses an accessor row's token word: `app`, `none` or a scope.
macro_rules! token_need {
    (app) => {
        $crate::catalogue::TokenNeed::App
    };
    (none) => {
        $crate::catalogue::TokenNeed::None
    };
    ($scope:literal) => {
        $crate::catalogue::TokenNeed::User($scope)
    };
}

/// The paging of a row's verb.
macro_rules! paging_of {
    (get) => {
        None
    };
    (wow_search) => {
        Some($crate::catalogue::WOW_PAGING)
    };
    (hs_search) => {
        Some($crate::catalogue::HEARTHSTONE_PAGING)
    };
}

/// The documentation line of a row's token word.
macro_rules! token_doc {
    (app) => {
        "an app token"
    };
    (none) => {
        "no token"
    };
    ($scope:literal) => {
        concat!("a user token with `", $scope, "`")
    };
}

/// One group's table and accessors. Each row reads
/// `verb name(args) -> Answer = namespace token "path" [query…];` with
/// `verb` one of `get`, `wow_search`, `hs_search`.
macro_rules! endpoint_table {
    (
        $game:ident $api:ident;
        $group:ident [$gargs:literal];
        $(
            $(#[doc = $doc:literal])*
            $verb:ident $name:ident ( $($arg:ident : $argty:ty),* ) -> $ret:ty =
                $ns:tt $token:tt $path:literal [$($q:literal),*];
        )*
    ) => {
        /// This group's rows of the catalogue.
        pub(crate) static ENDPOINTS: &[$crate::catalogue::Endpoint] = &[
            $($crate::catalogue::Endpoint {
                name: concat!(stringify!($group), ".", stringify!($name)),
                game: $crate::catalogue::Game::$game,
                api: $crate::catalogue::ApiKind::$api,
                method: "GET",
                path: $path,
                namespace: namespace_need!($ns),
                token: token_need!($token),
                query: &[$($q),*],
                paging: paging_of!($verb),
            },)*
        ];

        impl<'a> $group<'a> {
            $(
                accessor!(
                    [$(#[doc = $doc])*
                    #[doc = concat!(
                        "\n\n`GET ", $path, "`: ", stringify!($ns), " namespace, ",
                        token_doc!($token), "."
                    )]]
                    $verb $name ($($arg: $argty),*) -> $ret = {
                        const ENDPOINT: &$crate::catalogue::Endpoint = &$crate::catalogue::Endpoint {
                            name: concat!(stringify!($group), ".", stringify!($name)),
                            game: $crate::catalogue::Game::$game,
                            api: $crate::catalogue::ApiKind::$api,
                            method: "GET",
                            path: $path,
                            namespace: namespace_need!($ns),
                            token: token_need!($token),
                            query: &[$($q),*],
                            paging: paging_of!($verb),
                        };
                        ENDPOINT
                    } [$($arg),*]
                );
            )*
        }

        #[cfg(test)]
        /// The accessors' names and argument counts, for the drift test.
        pub(crate) const ACCESSORS: &[(&str, usize)] = &[
            $((
                concat!(stringify!($group), ".", stringify!($name)),
                $gargs + <[&str]>::len(&[$(stringify!($arg)),*]),
            ),)*
        ];
    };
}

/// One accessor method.
macro_rules! accessor {
    ([$(#[$meta:meta])*] get $name:ident ($($arg:ident : $argty:ty),*) -> $ret:ty = $endpoint:block [$($a:ident),*]) => {
        $(#[$meta])*
        pub fn $name(&self, $($arg: $argty),*) -> $crate::catalogue::Call<'a, $ret> {
            self.scope.call($endpoint, vec![$($a.to_string()),*])
        }
    };
    ([$(#[$meta:meta])*] $search:ident $name:ident ($($arg:ident : $argty:ty),*) -> $ret:ty = $endpoint:block [$($a:ident),*]) => {
        $(#[$meta])*
        pub fn $name(&self, $($arg: $argty),*) -> $crate::catalogue::Search<'a, $ret> {
            self.scope.search($endpoint, vec![$($a.to_string()),*])
        }
    };
}

/// An accessor group: a struct holding a [`Scope`].
macro_rules! group {
    ($(#[doc = $doc:literal])* $group:ident) => {
        $(#[doc = $doc])*
        #[derive(Clone, Debug)]
        pub struct $group<'a> {
            scope: $crate::catalogue::Scope<'a>,
        }

        impl<'a> $group<'a> {
            pub(crate) fn new(scope: $crate::catalogue::Scope<'a>) -> Self {
                $group { scope }
            }
        }
    };
}

pub(crate) use {
    accessor, endpoint_table, group, namespace_need, paging_of, token_doc, token_need,
};

impl BattleNetClient {
    /// World of Warcraft's Game Data and Profile APIs.
    ///
    /// ```no_run
    /// # async fn run(client: battlenet::BattleNetClient) -> Result<(), battlenet::Error> {
    /// let mage = client.wow().playable_class(8).await?;
    /// let gear = client.wow().character("tarren-mill", "alicemage").equipment().await?;
    /// # Ok(()) }
    /// ```
    #[must_use]
    pub fn wow(&self) -> Wow<'_> {
        Wow::new(Scope::new(self))
    }

    /// World of Warcraft Classic's APIs of one release: `classic` (the
    /// progression realms), `classic1x` (Classic Era), `classicann`
    /// (Anniversary), … — the release goes into every namespace
    /// (`static-classic1x-us`).
    ///
    /// # Errors
    /// [`InputError::InvalidNamespace`] for a release that is not lowercase
    /// letters and digits starting with `classic`.
    pub fn wow_classic<'a>(&'a self, release: &'a str) -> Result<WowClassic<'a>, Error> {
        Namespace::classic(NamespaceKind::Static, release, self.region())?;
        Ok(WowClassic::new(Scope::new(self).with_release(release)))
    }

    /// Diablo III's Community and Game Data APIs.
    #[must_use]
    pub fn diablo3(&self) -> Diablo3<'_> {
        Diablo3::new(Scope::new(self))
    }

    /// Hearthstone's Game Data APIs: cards, card backs, decks, metadata.
    #[must_use]
    pub fn hearthstone(&self) -> Hearthstone<'_> {
        Hearthstone::new(Scope::new(self))
    }

    /// StarCraft II's Community and Game Data APIs.
    #[must_use]
    pub fn starcraft2(&self) -> StarCraft2<'_> {
        StarCraft2::new(Scope::new(self))
    }

    /// A call of any catalogue endpoint with its path parameters, for
    /// tools that walk the table ([`endpoints`]); the typed accessors are
    /// the usual way.
    pub fn endpoint<T>(&self, endpoint: &'static Endpoint, args: &[&str]) -> Call<'_, T> {
        let scope = Scope::new(self);
        scope.call(endpoint, args.iter().map(|a| (*a).to_owned()).collect())
    }

    /// As [`endpoint`](Self::endpoint), with the namespaces of a WoW
    /// Classic release.
    pub fn classic_endpoint<'a, T>(
        &'a self,
        release: &'a str,
        endpoint: &'static Endpoint,
        args: &[&str],
    ) -> Call<'a, T> {
        let scope = Scope::new(self).with_release(release);
        scope.call(endpoint, args.iter().map(|a| (*a).to_owned()).collect())
    }
}
