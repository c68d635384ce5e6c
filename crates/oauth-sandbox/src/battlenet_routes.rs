//! The Battle.net API endpoints the sandbox serves: a table read from
//! `battlenet_routes.txt` (its own, so the sandbox depends on no client
//! crate), and matching a request path against it.

use std::sync::LazyLock;

/// The namespace a route wants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NamespaceRule {
    /// One of `static`, `dynamic`, `profile`, with a Classic release or
    /// without, as `classic` says.
    Kind { kind: &'static str, classic: bool },
    /// No namespace is needed (one sent is ignored, as the API does).
    None,
}

/// How a search route pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PagingRule {
    /// Not a search.
    None,
    /// World of Warcraft: `_page`, `_pageSize`, `orderby`.
    Wow,
    /// Hearthstone: `page`, `pageSize`, `sort`.
    Hearthstone,
}

/// One served endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Route {
    pub(crate) namespace: NamespaceRule,
    /// `None` for any valid token, or the scope a user token needs.
    pub(crate) scope: Option<&'static str>,
    pub(crate) paging: PagingRule,
    pub(crate) template: &'static str,
    segments: Vec<&'static str>,
}

const TABLE: &str = crate::BATTLENET_ROUTES;

/// Every route, parsed once. A malformed line is a bug of the table file,
/// caught by the tests below; it is skipped rather than served wrongly.
pub(crate) static ROUTES: LazyLock<Vec<Route>> = LazyLock::new(|| {
    TABLE
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .filter_map(parse_line)
        .collect()
});

fn parse_line(line: &'static str) -> Option<Route> {
    let mut fields = line.split_whitespace();
    let (namespace, token, paging, template) = (
        fields.next()?,
        fields.next()?,
        fields.next()?,
        fields.next()?,
    );
    if fields.next().is_some() || !template.starts_with('/') {
        return None;
    }
    let namespace = match namespace {
        "none" => NamespaceRule::None,
        other => {
            let (kind, classic) = match other.strip_suffix("-classic") {
                Some(kind) => (kind, true),
                None => (other, false),
            };
            if !matches!(kind, "static" | "dynamic" | "profile") {
                return None;
            }
            NamespaceRule::Kind { kind, classic }
        }
    };
    let paging = match paging {
        "-" => PagingRule::None,
        "wow-search" => PagingRule::Wow,
        "hs-search" => PagingRule::Hearthstone,
        _ => return None,
    };
    Some(Route {
        namespace,
        scope: (token != "app").then_some(token),
        paging,
        template,
        segments: template[1..].split('/').collect(),
    })
}

impl Route {
    /// Whether `path` fits the template; the number of literal segments
    /// when it does, so the most specific route wins (`…/index` over
    /// `…/{id}`).
    fn matches(&self, path: &str) -> Option<usize> {
        let given: Vec<&str> = path.strip_prefix('/')?.split('/').collect();
        if given.len() != self.segments.len() {
            return None;
        }
        let mut literal = 0;
        for (pattern, segment) in self.segments.iter().zip(&given) {
            if !pattern.contains('{') {
                if pattern != segment {
                    return None;
                }
                literal += 1;
            } else if !segment_fits(pattern, segment) {
                return None;
            }
        }
        Some(literal)
    }
}

/// Whether a segment fits a pattern segment of placeholders and literal
/// separators (`{realmId}-{characterId}`): each literal in order, each
/// placeholder non-empty.
fn segment_fits(pattern: &str, segment: &str) -> bool {
    let mut rest = segment;
    let mut pieces = pattern.split('{').peekable();
    // A literal before the first placeholder.
    if let Some(prefix) = pieces.next() {
        let Some(after) = rest.strip_prefix(prefix) else {
            return false;
        };
        rest = after;
    }
    while let Some(piece) = pieces.next() {
        let literal = piece.split_once('}').map_or("", |(_, lit)| lit);
        if literal.is_empty() {
            // The last placeholder takes the rest; one followed directly
            // by another cannot be told apart, and the table has none.
            return !rest.is_empty() && pieces.peek().is_none();
        }
        match rest[1.min(rest.len())..].find(literal) {
            Some(at) => rest = &rest[1 + at + literal.len()..],
            None => return false,
        }
    }
    rest.is_empty()
}

/// The routes whose template fits `path`, most specific first.
pub(crate) fn find(path: &str) -> Vec<&'static Route> {
    let mut found: Vec<(usize, &'static Route)> = ROUTES
        .iter()
        .filter_map(|route| route.matches(path).map(|score| (score, route)))
        .collect();
    found.sort_by_key(|(score, _)| std::cmp::Reverse(*score));
    let best = found.first().map(|(score, _)| *score);
    found
        .into_iter()
        .filter(|(score, _)| Some(*score) == best)
        .map(|(_, route)| route)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_line_of_the_table_parses() {
        let lines = TABLE
            .lines()
            .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
            .count();
        assert_eq!(ROUTES.len(), lines);
        assert_eq!(lines, 281);
    }

    #[test]
    fn the_most_specific_route_wins() {
        let cases: &[(&str, &[&str])] = &[
            (
                "/data/wow/connected-realm/index",
                &["/data/wow/connected-realm/index"],
            ),
            (
                "/data/wow/connected-realm/1084",
                &["/data/wow/connected-realm/{connectedRealmId}"],
            ),
            (
                "/profile/user/wow/protected-character/1084-7",
                &["/profile/user/wow/protected-character/{realmId}-{characterId}"],
            ),
            ("/profile/user/wow/protected-character/1084", &[]),
            ("/d3/profile/Alice-1234/", &["/d3/profile/{account}/"]),
            ("/data/wow/nothing", &[]),
        ];
        for (path, expected) in cases {
            let found: Vec<&str> = find(path).iter().map(|r| r.template).collect();
            // Retail and Classic share paths: compare the distinct templates.
            let mut distinct = found.clone();
            distinct.dedup();
            assert_eq!(distinct, *expected, "{path}");
        }
    }

    #[test]
    fn segments_fit_patterns() {
        let cases = [
            ("{a}-{b}", "1-2", true),
            ("{a}-{b}", "12", false),
            ("{a}-{b}", "-2", false),
            ("{a}-{b}", "1-", false),
            ("{a}", "x", true),
            ("{a}", "", false),
        ];
        for (pattern, segment, fits) in cases {
            assert_eq!(segment_fits(pattern, segment), fits, "{pattern} {segment}");
        }
    }
}
