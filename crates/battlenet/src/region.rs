//! Battle.net regions and their hosts, and the locales each serves.

use std::fmt;
use std::str::FromStr;

use oauth_core::url::Url;

use crate::error::InputError;
use crate::locale::Locale;

/// A Battle.net region.
///
/// Worldwide regions (`us`, `eu`, `kr`, `tw`) share one account partition and
/// one OAuth host; China (`cn`) is separate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Region {
    /// The Americas.
    Us,
    /// Europe.
    Eu,
    /// Korea.
    Kr,
    /// Taiwan.
    Tw,
    /// China.
    Cn,
}

impl Region {
    /// Every region.
    pub const ALL: [Region; 5] = [Region::Us, Region::Eu, Region::Kr, Region::Tw, Region::Cn];

    /// The region's code, as in namespaces and hosts: `us`, `eu`, ….
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Region::Us => "us",
            Region::Eu => "eu",
            Region::Kr => "kr",
            Region::Tw => "tw",
            Region::Cn => "cn",
        }
    }

    /// The default API host: `https://us.api.blizzard.com`, …, and China's
    /// gateway.
    #[must_use]
    pub fn api_host(self) -> Url {
        parse_known(match self {
            Region::Us => "https://us.api.blizzard.com/",
            Region::Eu => "https://eu.api.blizzard.com/",
            Region::Kr => "https://kr.api.blizzard.com/",
            Region::Tw => "https://tw.api.blizzard.com/",
            Region::Cn => "https://gateway.battlenet.com.cn/",
        })
    }

    /// The default OAuth host: `https://oauth.battle.net` worldwide,
    /// `https://oauth.battlenet.com.cn` in China.
    ///
    /// Some Chinese client ids are reported to work only at the legacy
    /// `https://www.battlenet.com.cn/oauth/`; every host is data that the
    /// client's builder can override when that applies.
    #[must_use]
    pub fn oauth_host(self) -> Url {
        parse_known(match self {
            Region::Cn => "https://oauth.battlenet.com.cn/",
            _ => "https://oauth.battle.net/",
        })
    }

    /// The locales the region's API serves.
    #[must_use]
    pub fn locales(self) -> &'static [Locale] {
        use Locale::*;
        match self {
            Region::Us => &[EnUs, EsMx, PtBr],
            Region::Eu => &[EnGb, EsEs, FrFr, RuRu, DeDe, PtPt, ItIt],
            Region::Kr => &[KoKr],
            Region::Tw => &[ZhTw],
            Region::Cn => &[ZhCn],
        }
    }

    /// Whether the region's API serves `locale`.
    #[must_use]
    pub fn serves(self, locale: Locale) -> bool {
        self.locales().contains(&locale)
    }

    /// World of Warcraft's numeric id of the region (us 1, kr 2, eu 3, tw 4, cn 5).
    #[must_use]
    pub fn wow_id(self) -> u8 {
        match self {
            Region::Us => 1,
            Region::Kr => 2,
            Region::Eu => 3,
            Region::Tw => 4,
            Region::Cn => 5,
        }
    }

    /// Whether the region is in the worldwide account partition.
    #[must_use]
    pub fn is_worldwide(self) -> bool {
        self != Region::Cn
    }
}

/// The hosts above are constants that parse; a failure here is a typo in
/// this file, caught by the tests.
fn parse_known(url: &str) -> Url {
    Url::parse(url).unwrap_or_else(|e| unreachable!("built-in host {url} is invalid: {e}"))
}

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Region {
    type Err = InputError;

    /// Parses `us`, `EU`, ` kr ` and so on.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let code = s.trim();
        Region::ALL
            .into_iter()
            .find(|region| region.as_str().eq_ignore_ascii_case(code))
            .ok_or_else(|| InputError::UnknownRegion(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_per_region() {
        let hosts: Vec<(String, String)> = Region::ALL
            .iter()
            .map(|r| (r.api_host().to_string(), r.oauth_host().to_string()))
            .collect();
        assert_eq!(
            hosts,
            [
                ("https://us.api.blizzard.com/", "https://oauth.battle.net/"),
                ("https://eu.api.blizzard.com/", "https://oauth.battle.net/"),
                ("https://kr.api.blizzard.com/", "https://oauth.battle.net/"),
                ("https://tw.api.blizzard.com/", "https://oauth.battle.net/"),
                (
                    "https://gateway.battlenet.com.cn/",
                    "https://oauth.battlenet.com.cn/"
                ),
            ]
            .map(|(a, o)| (a.to_owned(), o.to_owned()))
        );
    }

    #[test]
    fn parses_loosely_and_rejects_unknown() {
        assert_eq!("US".parse::<Region>(), Ok(Region::Us));
        assert_eq!(" eu ".parse::<Region>(), Ok(Region::Eu));
        assert_eq!(
            "apac".parse::<Region>().map_err(|e| e.to_string()),
            Err("unknown region `apac`: expected one of us, eu, kr, tw, cn".to_owned())
        );
    }

    #[test]
    fn locales_and_ids() {
        assert!(Region::Us.serves(Locale::EnUs));
        assert!(!Region::Us.serves(Locale::EnGb));
        assert_eq!(Region::Eu.locales().len(), 7);
        assert_eq!(Region::ALL.map(Region::wow_id), [1, 3, 2, 4, 5]);
        assert!(!Region::Cn.is_worldwide());
        for region in [Region::Us, Region::Eu, Region::Kr, Region::Tw] {
            assert!(region.is_worldwide(), "{region}");
        }
    }
}
