//! Battle.net API locales, parsed from the loose spellings older clients
//! accept (`enus`, `en-us`, `EN_us`) into the strict `en_US` form.

use std::fmt;
use std::str::FromStr;

use crate::error::InputError;
use crate::region::Region;

macro_rules! locales {
    ($($variant:ident => $code:literal,)*) => {
        /// A locale of the Battle.net APIs.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Locale {
            $(#[doc = concat!("`", $code, "`")] $variant,)*
        }

        impl Locale {
            /// Every locale.
            pub const ALL: &'static [Locale] = &[$(Locale::$variant,)*];

            /// The locale as the API writes it: `en_US`.
            #[must_use]
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Locale::$variant => $code,)*
                }
            }
        }
    };
}

locales! {
    EnUs => "en_US",
    EsMx => "es_MX",
    PtBr => "pt_BR",
    EnGb => "en_GB",
    EsEs => "es_ES",
    FrFr => "fr_FR",
    RuRu => "ru_RU",
    DeDe => "de_DE",
    PtPt => "pt_PT",
    ItIt => "it_IT",
    KoKr => "ko_KR",
    ZhTw => "zh_TW",
    ZhCn => "zh_CN",
}

impl Locale {
    /// The regions whose API serves this locale.
    pub fn regions(self) -> impl Iterator<Item = Region> {
        Region::ALL.into_iter().filter(move |r| r.serves(self))
    }

    /// This locale, if `region` serves it.
    ///
    /// # Errors
    /// [`InputError::LocaleNotServed`] otherwise.
    pub fn check_region(self, region: Region) -> Result<Self, InputError> {
        if region.serves(self) {
            Ok(self)
        } else {
            Err(InputError::LocaleNotServed {
                locale: self,
                region,
            })
        }
    }
}

impl fmt::Display for Locale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Locale {
    type Err = InputError;

    /// Accepts `en_US`, `en-US`, `enus`, `EN_us`, ` en-us `: two letters of
    /// language and two of country, with `_`, `-` or nothing between.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let letters: String = s
            .trim()
            .chars()
            .filter(|c| *c != '_' && *c != '-')
            .collect();
        let unknown = || InputError::UnknownLocale(s.to_owned());
        if letters.len() != 4 || !letters.is_ascii() {
            return Err(unknown());
        }
        Locale::ALL
            .iter()
            .copied()
            .find(|locale| {
                let code = locale.as_str();
                code[..2].eq_ignore_ascii_case(&letters[..2])
                    && code[3..].eq_ignore_ascii_case(&letters[2..])
            })
            .ok_or_else(unknown)
    }
}

impl serde::Serialize for Locale {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for Locale {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loose_spellings_normalise() {
        for input in [
            "en_US", "enus", "en-us", "EN_us", " en-US ", "En_Us", "e-n-u-s",
        ] {
            assert_eq!(input.parse::<Locale>(), Ok(Locale::EnUs), "{input}");
        }
        assert_eq!("zhtw".parse::<Locale>().map(Locale::as_str), Ok("zh_TW"));
    }

    #[test]
    fn unknown_locales_are_rejected_clearly() {
        for input in ["", "en", "en_USA", "xx_YY", "en_AU", "éé_ÉÉ", "en__"] {
            let err = input.parse::<Locale>().expect_err(input);
            assert_eq!(
                err.to_string(),
                format!("unknown locale `{input}`: expected a Battle.net locale such as en_US")
            );
        }
    }

    #[test]
    fn region_check() {
        assert_eq!(Locale::FrFr.check_region(Region::Eu), Ok(Locale::FrFr));
        assert_eq!(
            Locale::FrFr
                .check_region(Region::Us)
                .map_err(|e| e.to_string()),
            Err(
                "locale fr_FR is not served in region us (it serves en_US, es_MX, pt_BR)"
                    .to_owned()
            )
        );
        assert_eq!(Locale::EnUs.regions().collect::<Vec<_>>(), [Region::Us]);
        // Every locale belongs to exactly one region.
        for locale in Locale::ALL {
            assert_eq!(locale.regions().count(), 1, "{locale}");
        }
    }

    #[test]
    fn serde_uses_the_api_form() {
        assert_eq!(
            serde_json::to_string(&Locale::PtBr).ok().as_deref(),
            Some("\"pt_BR\"")
        );
        assert_eq!(
            serde_json::from_str::<Locale>("\"ptbr\"").ok(),
            Some(Locale::PtBr)
        );
        assert!(serde_json::from_str::<Locale>("\"pt\"").is_err());
    }
}
