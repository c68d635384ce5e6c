//! Property tests of every parser of outside input in this crate: regions,
//! locales and namespaces in any spelling, and API answers of any status
//! and body. Any input is a value or a typed error, never a panic; values
//! round-trip through their text. `PROPTEST_CASES` raises the case count
//! (`cargo xtask fuzz`).

use oauth_core::http::{self, StatusCode};
use proptest::prelude::*;

use crate::error::{Error, InputError};
use crate::locale::Locale;
use crate::namespace::{Namespace, NamespaceKind};
use crate::region::Region;
use crate::request::read_answer;

fn region() -> impl Strategy<Value = Region> {
    prop::sample::select(Region::ALL.to_vec())
}

fn locale() -> impl Strategy<Value = Locale> {
    prop::sample::select(Locale::ALL.to_vec())
}

fn kind() -> impl Strategy<Value = NamespaceKind> {
    prop::sample::select(vec![
        NamespaceKind::Static,
        NamespaceKind::Dynamic,
        NamespaceKind::Profile,
    ])
}

/// Mixed case, as people type it.
fn scramble_case(text: &str, mask: u64) -> String {
    text.chars()
        .enumerate()
        .map(|(i, c)| {
            if mask >> (i % 64) & 1 == 1 {
                c.to_ascii_uppercase()
            } else {
                c.to_ascii_lowercase()
            }
        })
        .collect()
}

proptest! {
    #[test]
    fn any_text_is_a_region_or_a_typed_error(input in ".{0,12}") {
        match input.parse::<Region>() {
            Ok(region) => prop_assert!(region.as_str().eq_ignore_ascii_case(input.trim())),
            Err(InputError::UnknownRegion(shown)) => prop_assert_eq!(shown, input),
            Err(other) => prop_assert!(false, "{:?}", other),
        }
    }

    #[test]
    fn regions_round_trip(region in region(), mask in any::<u64>(), pad in " {0,2}") {
        let text = format!("{pad}{}{pad}", scramble_case(region.as_str(), mask));
        prop_assert_eq!(text.parse::<Region>().ok(), Some(region));
        prop_assert_eq!(region.to_string().parse::<Region>().ok(), Some(region));
    }

    #[test]
    fn any_text_is_a_locale_or_a_typed_error(input in ".{0,12}") {
        match input.parse::<Locale>() {
            Ok(locale) => {
                // Four letters of the locale, whatever the separators.
                let letters: String = input.trim().chars().filter(|c| *c != '_' && *c != '-').collect();
                prop_assert!(letters.eq_ignore_ascii_case(&locale.as_str().replace('_', "")));
            }
            Err(InputError::UnknownLocale(shown)) => prop_assert_eq!(shown, input),
            Err(other) => prop_assert!(false, "{:?}", other),
        }
    }

    #[test]
    fn locales_round_trip_in_loose_spellings(
        locale in locale(),
        separator in prop::sample::select(vec!["_", "-", ""]),
        mask in any::<u64>(),
        pad in " {0,2}",
    ) {
        let code = locale.as_str();
        let text = format!("{pad}{}{separator}{}{pad}", &code[..2], &code[3..]);
        let text = scramble_case(&text, mask);
        prop_assert_eq!(text.parse::<Locale>().ok(), Some(locale));
        let json = serde_json::to_string(&locale).expect("serialise");
        prop_assert_eq!(serde_json::from_str::<Locale>(&json).ok(), Some(locale));
        // A locale names the regions that serve it, and they accept it.
        for region in locale.regions() {
            prop_assert_eq!(locale.check_region(region).ok(), Some(locale));
        }
    }

    #[test]
    fn any_text_is_a_namespace_or_a_typed_error(input in "[ -~]{0,24}") {
        match input.parse::<Namespace>() {
            Ok(namespace) => {
                // What a parsed namespace shows parses back to it.
                let shown = namespace.to_string();
                prop_assert_eq!(shown.parse::<Namespace>().ok(), Some(namespace.clone()));
                prop_assert!(!shown.is_empty());
                prop_assert!(shown.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.')));
            }
            Err(InputError::InvalidNamespace(shown)) => prop_assert_eq!(shown, input),
            Err(other) => prop_assert!(false, "{:?}", other),
        }
    }

    #[test]
    fn standard_namespaces_round_trip(
        kind in kind(),
        region in region(),
        release in prop::option::of("classic[a-z0-9]{0,4}"),
        mask in any::<u64>(),
    ) {
        let namespace = match &release {
            Some(release) => Namespace::classic(kind, release, region).expect("a valid release"),
            None => match kind {
                NamespaceKind::Static => Namespace::static_data(region),
                NamespaceKind::Dynamic => Namespace::dynamic(region),
                _ => Namespace::profile(region),
            },
        };
        prop_assert_eq!(namespace.kind(), Some(kind));
        prop_assert_eq!(namespace.region(), Some(region));
        prop_assert_eq!(namespace.release(), release.as_deref());
        let text = scramble_case(&namespace.to_string(), mask);
        prop_assert_eq!(text.parse::<Namespace>().ok(), Some(namespace));
    }

    #[test]
    fn any_answer_is_a_value_or_a_typed_error(
        status in 200_u16..600,
        body in prop_oneof![
            prop::collection::vec(any::<u8>(), 0..1024),
            "[ -~]{0,600}".prop_map(String::into_bytes),
            Just(br#"{"detail":"Not Found"}"#.to_vec()),
        ],
    ) {
        let response = http::Response::builder()
            .status(status)
            .body(body.into())
            .expect("response");
        match read_answer::<serde_json::Value>("/data/wow/x", &response) {
            Ok(_) => prop_assert!(StatusCode::from_u16(status).expect("status").is_success()),
            Err(Error::NotFound { path, .. }) => {
                prop_assert_eq!(status, 404);
                prop_assert_eq!(path, "/data/wow/x");
            }
            Err(Error::Api { excerpt, status: got, .. }) => {
                prop_assert_eq!(got.as_u16(), status);
                prop_assert!(excerpt.chars().count() <= 201);
                prop_assert!(!excerpt.chars().any(char::is_control));
            }
            Err(Error::Json { .. }) => prop_assert!((200..300).contains(&status)),
            Err(other) => prop_assert!(false, "{:?}", other),
        }
    }

    #[test]
    fn any_path_argument_stays_one_segment(
        realm in "\\PC{1,24}",
        name in prop_oneof!["\\PC{1,24}", Just("..".to_owned()), Just(".".to_owned()), "[/?#%]{1,4}"],
    ) {
        let row = crate::catalogue::endpoints()
            .find(|e| e.name == "WowCharacter.equipment")
            .expect("row");
        let path = row.fill(&[realm.clone(), name.clone()]).expect("filled");
        let segments: Vec<&str> = path.split('/').collect();
        prop_assert_eq!(segments.len(), 7, "{}", path);
        prop_assert_eq!(&segments[..4], &["", "profile", "wow", "character"]);
        prop_assert_eq!(segments[6], "equipment");
        for (segment, arg) in segments[4..6].iter().zip([&realm, &name]) {
            let decoded = oauth_core::url::form_urlencoded::parse(format!("x={segment}").as_bytes())
                .next()
                .map(|(_, v)| v.into_owned());
            prop_assert_eq!(decoded.as_deref(), Some(arg.as_str()));
            prop_assert!(segment.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._~%".contains(&b)));
            prop_assert!(*segment != "." && *segment != "..");
        }
    }

    #[test]
    fn any_typed_answer_is_a_document_or_a_malformed_error_without_its_text(
        body in prop_oneof![
            "[ -~]{0,300}".prop_map(String::into_bytes),
            Just(br#"{"price":"S3CRET","last_updated_timestamp":1}"#.to_vec()),
            Just(br#"{"price":1,"last_updated_timestamp":1}"#.to_vec()),
        ],
    ) {
        let response = http::Response::builder().status(200).body(body.clone().into()).expect("response");
        match crate::request::read_typed::<crate::documents::WowToken>("/data/wow/token/index", &response) {
            Ok(token) => prop_assert_eq!(token.last_updated_timestamp, 1),
            Err(error @ Error::Malformed { .. }) => {
                let shown = format!("{error} {error:?}");
                prop_assert!(!shown.contains("S3CRET"), "{}", shown);
                // Only the path and the field, never the body's words.
                let text = String::from_utf8_lossy(&body);
                for word in text.split(|c: char| !c.is_ascii_alphanumeric()).filter(|w| w.len() > 12) {
                    prop_assert!(!shown.contains(word), "{} shows {}", shown, word);
                }
            }
            Err(other) => prop_assert!(false, "{:?}", other),
        }
    }
}
