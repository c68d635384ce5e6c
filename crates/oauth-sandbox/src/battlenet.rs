//! The Battle.net API emulation: namespaces, regions, locales, a few Game
//! Data and Profile endpoints, Blizzard-shaped errors and the rate limit.

use http::{Method, StatusCode, header};
use serde_json::{Map, Value, json};

use crate::api::{self, BearerFailure};
use crate::battlenet_docs;
use crate::battlenet_routes::{self, NamespaceRule};
use crate::server::Request;
use crate::state::{AccessRecord, Shared};
use crate::wire::{self, Reply};

/// The regions Battle.net serves.
const REGIONS: [&str; 5] = ["us", "eu", "kr", "tw", "cn"];

/// Every locale, in the order the API lists them in localized objects.
pub(crate) const LOCALES: [&str; 13] = [
    "en_US", "es_MX", "pt_BR", "de_DE", "en_GB", "es_ES", "fr_FR", "it_IT", "ru_RU", "ko_KR",
    "zh_TW", "zh_CN", "pt_PT",
];

/// The namespace kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Static,
    Dynamic,
    Profile,
}

impl Kind {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Kind::Static => "static",
            Kind::Dynamic => "dynamic",
            Kind::Profile => "profile",
        }
    }
}

/// A parsed namespace such as `static-classic-us`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Namespace {
    pub(crate) kind: Kind,
    pub(crate) region: &'static str,
    /// Whether it names a WoW Classic release.
    pub(crate) classic: bool,
    pub(crate) raw: String,
}

fn parse_namespace(raw: &str) -> Option<Namespace> {
    let (kind, rest) = raw.split_once('-')?;
    let kind = match kind {
        "static" => Kind::Static,
        "dynamic" => Kind::Dynamic,
        "profile" => Kind::Profile,
        _ => return None,
    };
    let (release, region) = match rest.rsplit_once('-') {
        Some((release, region)) => (Some(release), region),
        None => (None, rest),
    };
    if let Some(release) = release {
        // Classic releases: `classic`, `classic1x`, `classicann`, ...
        if !release.starts_with("classic") || !release.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return None;
        }
    }
    let region = REGIONS.iter().find(|r| **r == region)?;
    Some(Namespace {
        kind,
        region,
        classic: release.is_some(),
        raw: raw.to_owned(),
    })
}

/// A Blizzard API error body (`{"code","type","detail"}`).
pub(crate) fn error(status: StatusCode) -> Reply {
    let code = status.as_u16();
    let detail = status.canonical_reason().unwrap_or("Error");
    wire::reply(
        status,
        "application/json;charset=UTF-8",
        json!({ "code": code, "type": format!("BLZWEBAPI{code:08}"), "detail": detail })
            .to_string(),
    )
}

/// A 404 with a header saying why, for people reading traces.
fn not_found(reason: &str) -> Reply {
    let mut reply = error(StatusCode::NOT_FOUND);
    wire::set_header(&mut reply, "x-sandbox-reason", reason);
    reply
}

pub(crate) fn ok(value: &Value) -> Reply {
    wire::reply(
        StatusCode::OK,
        "application/json;charset=UTF-8",
        value.to_string(),
    )
}

/// Routes a request on the Battle.net API listener.
pub(crate) fn route(shared: &Shared, request: &Request) -> Reply {
    let token = match api::bearer(shared, request) {
        Ok(token) => token,
        Err(failure @ BearerFailure::Malformed) => {
            return failure.refusal().with_body(error(StatusCode::BAD_REQUEST));
        }
        Err(failure) => {
            return failure.refusal().with_body(error(StatusCode::UNAUTHORIZED));
        }
    };
    if let Some(status) = api::rate(shared, &token.client_id)
        && status.exceeded
    {
        let mut reply = error(StatusCode::TOO_MANY_REQUESTS);
        wire::set_header(&mut reply, header::RETRY_AFTER.as_str(), "1");
        return reply;
    }
    let path = request.path.as_str();
    let routes = battlenet_routes::find(path);
    if routes.is_empty() {
        return not_found("no such endpoint");
    }
    // Every Battle.net API endpoint is read-only: the only POSTs are the
    // OAuth host's `token` and `check_token`.
    if request.method != Method::GET {
        let mut reply = error(StatusCode::METHOD_NOT_ALLOWED);
        wire::set_header(&mut reply, header::ALLOW.as_str(), "GET");
        return reply;
    }
    let Ok(query) = request.query() else {
        return error(StatusCode::BAD_REQUEST);
    };
    let namespace = query
        .first("namespace")
        .or_else(|| request.header("battlenet-namespace"))
        .map(str::to_owned);
    let locale = query
        .first("locale")
        .and_then(|l| LOCALES.iter().find(|known| **known == l))
        .copied();
    let needs_namespace = routes.iter().any(|r| r.namespace != NamespaceRule::None);
    let parsed = match (&namespace, needs_namespace) {
        (_, false) => None,
        (None, true) => {
            return not_found(
                "namespace is missing (query parameter namespace or header battlenet-namespace)",
            );
        }
        (Some(raw), true) => Some(parse_namespace(raw)),
    };
    let route = match &parsed {
        None => routes[0],
        Some(parsed) => {
            let fits = routes.iter().copied().find(|route| match route.namespace {
                NamespaceRule::Kind { kind, classic } => parsed
                    .as_ref()
                    .is_some_and(|ns| ns.kind.as_str() == kind && ns.classic == classic),
                NamespaceRule::None => true,
            });
            match fits {
                Some(route) => route,
                None => return not_found("namespace does not fit this endpoint"),
            }
        }
    };
    if let Some(scope) = route.scope {
        let state = shared.state();
        if token.user.and_then(|u| state.users.get(u)).is_none() {
            return api::insufficient_scope(scope, "a user token is required")
                .with_body(error(StatusCode::FORBIDDEN));
        }
        if !token.scopes.iter().any(|s| s == scope) {
            return api::insufficient_scope(scope, &format!("the token lacks the {scope} scope"))
                .with_body(error(StatusCode::FORBIDDEN));
        }
    }
    let fallback = Namespace {
        kind: Kind::Static,
        region: "us",
        classic: false,
        raw: String::new(),
    };
    let namespace = parsed.flatten().unwrap_or(fallback);
    let ctx = Ctx {
        shared,
        namespace: &namespace,
        locale,
    };
    let reply = if path == "/data/wow/token/index" {
        token_index(&ctx)
    } else if let Some(id) = path.strip_prefix("/data/wow/playable-class/")
        && !id.contains('/')
        && id != "index"
    {
        playable_class(&ctx, id)
    } else if path == "/profile/user/wow" {
        profile(&ctx, &token)
    } else {
        battlenet_docs::document(&ctx, route, path, &query)
    };
    battlenet_docs::cache_headers(&ctx, route, request, reply)
}

#[derive(Debug)]
pub(crate) struct Ctx<'a> {
    pub(crate) shared: &'a Shared,
    pub(crate) namespace: &'a Namespace,
    pub(crate) locale: Option<&'static str>,
}

impl Ctx<'_> {
    pub(crate) fn links(&self, path: &str) -> Value {
        let href = format!(
            "{}?namespace={}",
            self.shared.api_link(path),
            self.namespace.raw
        );
        json!({ "self": { "href": href } })
    }

    /// A localized string: the one asked for, or an object of all.
    pub(crate) fn localized(&self, text: impl Fn(&str) -> String) -> Value {
        match self.locale {
            Some(locale) => json!(text(locale)),
            None => Value::Object(
                LOCALES
                    .iter()
                    .map(|l| ((*l).to_owned(), json!(text(l))))
                    .collect::<Map<String, Value>>(),
            ),
        }
    }
}

fn token_index(ctx: &Ctx<'_>) -> Reply {
    let price: u64 = match ctx.namespace.region {
        "us" => 2_873_560_000,
        "eu" => 3_415_120_000,
        "kr" => 5_106_970_000,
        "tw" => 4_402_380_000,
        _ => 2_110_000_000,
    };
    // Updated "twenty minutes ago" by the sandbox clock.
    let updated_ms = ctx.shared.clock.epoch().saturating_sub(1200) * 1000;
    ok(&json!({
        "_links": ctx.links("/data/wow/token/"),
        "last_updated_timestamp": updated_ms,
        "price": price,
    }))
}

/// Class names: English, Spanish, Portuguese, German, French, Italian,
/// Russian, Korean, traditional and simplified Chinese.
const CLASSES: [(u32, [&str; 10]); 13] = [
    (
        1,
        [
            "Warrior",
            "Guerrero",
            "Guerreiro",
            "Krieger",
            "Guerrier",
            "Guerriero",
            "Воин",
            "전사",
            "戰士",
            "战士",
        ],
    ),
    (
        2,
        [
            "Paladin",
            "Paladín",
            "Paladino",
            "Paladin",
            "Paladin",
            "Paladino",
            "Паладин",
            "성기사",
            "聖騎士",
            "圣骑士",
        ],
    ),
    (
        3,
        [
            "Hunter",
            "Cazador",
            "Caçador",
            "Jäger",
            "Chasseur",
            "Cacciatore",
            "Охотник",
            "사냥꾼",
            "獵人",
            "猎人",
        ],
    ),
    (
        4,
        [
            "Rogue",
            "Pícaro",
            "Ladino",
            "Schurke",
            "Voleur",
            "Ladro",
            "Разбойник",
            "도적",
            "盜賊",
            "潜行者",
        ],
    ),
    (
        5,
        [
            "Priest",
            "Sacerdote",
            "Sacerdote",
            "Priester",
            "Prêtre",
            "Sacerdote",
            "Жрец",
            "사제",
            "牧師",
            "牧师",
        ],
    ),
    (
        6,
        [
            "Death Knight",
            "Caballero de la Muerte",
            "Cavaleiro da Morte",
            "Todesritter",
            "Chevalier de la mort",
            "Cavaliere della Morte",
            "Рыцарь смерти",
            "죽음의 기사",
            "死亡騎士",
            "死亡骑士",
        ],
    ),
    (
        7,
        [
            "Shaman",
            "Chamán",
            "Xamã",
            "Schamane",
            "Chaman",
            "Sciamano",
            "Шаман",
            "주술사",
            "薩滿",
            "萨满祭司",
        ],
    ),
    (
        8,
        [
            "Mage",
            "Mago",
            "Mago",
            "Magier",
            "Mage",
            "Mago",
            "Маг",
            "마법사",
            "法師",
            "法师",
        ],
    ),
    (
        9,
        [
            "Warlock",
            "Brujo",
            "Bruxo",
            "Hexenmeister",
            "Démoniste",
            "Stregone",
            "Чернокнижник",
            "흑마법사",
            "術士",
            "术士",
        ],
    ),
    (
        10,
        [
            "Monk",
            "Monje",
            "Monge",
            "Mönch",
            "Moine",
            "Monaco",
            "Монах",
            "수도사",
            "武僧",
            "武僧",
        ],
    ),
    (
        11,
        [
            "Druid",
            "Druida",
            "Druida",
            "Druide",
            "Druide",
            "Druido",
            "Друид",
            "드루이드",
            "德魯伊",
            "德鲁伊",
        ],
    ),
    (
        12,
        [
            "Demon Hunter",
            "Cazador de demonios",
            "Caçador de Demônios",
            "Dämonenjäger",
            "Chasseur de démons",
            "Cacciatore di Demoni",
            "Охотник на демонов",
            "악마사냥꾼",
            "惡魔獵人",
            "恶魔猎手",
        ],
    ),
    (
        13,
        [
            "Evoker",
            "Evocador",
            "Conjurante",
            "Rufer",
            "Évocateur",
            "Evocatore",
            "Пробудитель",
            "기원사",
            "喚能師",
            "唤魔师",
        ],
    ),
];

pub(crate) fn class_name(id: u32, locale: &str) -> Option<&'static str> {
    let (_, names) = CLASSES.iter().find(|(class, _)| *class == id)?;
    let index = match locale.split('_').next().unwrap_or_default() {
        "es" => 1,
        "pt" => 2,
        "de" => 3,
        "fr" => 4,
        "it" => 5,
        "ru" => 6,
        "ko" => 7,
        "zh" if locale == "zh_TW" => 8,
        "zh" => 9,
        _ => 0,
    };
    Some(names[index])
}

fn playable_class(ctx: &Ctx<'_>, raw_id: &str) -> Reply {
    let Some(id) = raw_id
        .parse::<u32>()
        .ok()
        .filter(|id| class_name(*id, "en_US").is_some())
    else {
        return not_found("no such playable class");
    };
    let name = ctx.localized(|l| class_name(id, l).unwrap_or_default().to_owned());
    ok(&json!({
        "_links": ctx.links(&format!("/data/wow/playable-class/{id}")),
        "id": id,
        "name": name,
        "media": {
            "key": { "href": format!("{}?namespace={}", ctx.shared.api_link(&format!("/data/wow/media/playable-class/{id}")), ctx.namespace.raw) },
            "id": id,
        },
    }))
}

fn profile(ctx: &Ctx<'_>, token: &AccessRecord) -> Reply {
    let state = ctx.shared.state();
    let Some(user) = token.user.and_then(|u| state.users.get(u)) else {
        return api::insufficient_scope("wow.profile", "a user token is required")
            .with_body(error(StatusCode::FORBIDDEN));
    };
    if !token.scopes.iter().any(|s| s == "wow.profile") {
        return api::insufficient_scope("wow.profile", "the token lacks the wow.profile scope")
            .with_body(error(StatusCode::FORBIDDEN));
    }
    let class = ctx.localized(|l| class_name(8, l).unwrap_or_default().to_owned());
    let character_name = format!("{}mage", user.name);
    ok(&json!({
        "_links": ctx.links("/profile/user/wow"),
        "id": user.id,
        "wow_accounts": [{
            "id": user.id * 10 + 1,
            "characters": [{
                "name": character_name,
                "id": user.id * 100 + 7,
                "realm": { "id": 1084, "slug": "tarren-mill", "name": ctx.localized(|_| "Tarren Mill".to_owned()) },
                "playable_class": { "id": 8, "name": class },
                "faction": { "type": "ALLIANCE" },
                "level": 80,
            }],
        }],
        "collections": { "href": format!("{}?namespace={}", ctx.shared.api_link("/profile/user/wow/collections"), ctx.namespace.raw) },
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn namespaces_parse_with_classic_releases() {
        let ns = parse_namespace("static-classic-us");
        assert_eq!(ns.map(|n| (n.kind, n.region)), Some((Kind::Static, "us")));
        let ns = parse_namespace("dynamic-classic1x-eu");
        assert_eq!(ns.map(|n| (n.kind, n.region)), Some((Kind::Dynamic, "eu")));
        assert!(parse_namespace("profile-kr").is_some());
        assert!(parse_namespace("static-xx").is_none());
        assert!(parse_namespace("static-retail-us").is_none());
        assert!(parse_namespace("stat-us").is_none());
        assert!(parse_namespace("static").is_none());
    }

    #[test]
    fn class_names_follow_locale() {
        assert_eq!(class_name(1, "de_DE"), Some("Krieger"));
        assert_eq!(class_name(1, "zh_TW"), Some("戰士"));
        assert_eq!(class_name(1, "zh_CN"), Some("战士"));
        assert_eq!(class_name(14, "en_US"), None);
    }
}
