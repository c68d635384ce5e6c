//! Case 5: resident bytes per stored user session, for 100,000 users, each
//! measured in a fresh child process (so memory freed by earlier cases
//! cannot hide new allocations) from `/proc/self/statm` before and after.

use std::collections::HashMap;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use battlenet::{BattleNetClient, Region};
use oauth_core::url::Url;
use oauth_core::{AccessToken, MemoryStore, Session, Token, TokenStore};

/// What is kept per signed-in user.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A user's `Token` in one shared `MemoryStore`, keyed by user id:
    /// what a web app keeps between requests.
    TokenInStore,
    /// A live oauth-core `Session` per user (refresh-token source, key,
    /// cached token) in a map by user id, its token also saved in one
    /// shared `MemoryStore` by `set_token`.
    Session,
    /// A `BattleNetClient` per user from `with_user_token`, in a map by
    /// user id (each with its own session and `MemoryStore`).
    BattleNetUserClient,
}

impl Kind {
    pub(crate) const ALL: [Kind; 3] =
        [Kind::TokenInStore, Kind::Session, Kind::BattleNetUserClient];

    pub(crate) fn arg(self) -> &'static str {
        match self {
            Kind::TokenInStore => "token-in-store",
            Kind::Session => "session",
            Kind::BattleNetUserClient => "battlenet-user-client",
        }
    }

    pub(crate) fn name(self) -> &'static str {
        match self {
            Kind::TokenInStore => "`Token` in a shared `MemoryStore`, keyed by user id",
            Kind::Session => "`Session` per user in a map (+ its token in a shared `MemoryStore`)",
            Kind::BattleNetUserClient => "`BattleNetClient::with_user_token` per user in a map",
        }
    }

    fn from_arg(arg: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.arg() == arg)
    }
}

/// Runs the measurement of `kind` in a child process: resident bytes per
/// user.
pub(crate) fn measure(kind: Kind, users: usize) -> Result<f64, String> {
    child_number(&["--memory-child", kind.arg(), &users.to_string()])
}

/// Runs this program with `args` in a fresh process (so memory freed by
/// earlier cases cannot hide new allocations) and reads the one number it
/// prints.
pub(crate) fn child_number(args: &[&str]) -> Result<f64, String> {
    let exe = std::env::current_exe().map_err(|e| format!("cannot find this program: {e}"))?;
    let output = Command::new(exe)
        .args(args)
        .output()
        .map_err(|e| format!("cannot run `{}`: {e}", args.join(" ")))?;
    if !output.status.success() {
        return Err(format!(
            "`{}` failed ({}): {}",
            args.join(" "),
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    stdout
        .trim()
        .parse()
        .map_err(|e| format!("`{}` printed `{}`: {e}", args.join(" "), stdout.trim()))
}

/// The child's side: builds `users` stored sessions of `kind` and returns
/// resident bytes per user.
pub(crate) fn child(kind_arg: &str, users: &str) -> Result<f64, String> {
    let kind = Kind::from_arg(kind_arg).ok_or_else(|| format!("unknown kind `{kind_arg}`"))?;
    let users: usize = users.parse().map_err(|e| format!("user count: {e}"))?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    runtime.block_on(async {
        // Everything shared is made before the first reading.
        let client = user_workflow_client()?;
        let template = token_template()?;
        let store = Arc::new(MemoryStore::new());
        let shared_store: Arc<dyn TokenStore> = store.clone();
        let mut sessions: HashMap<String, Session> = HashMap::new();
        let mut clients: HashMap<String, BattleNetClient> = HashMap::new();

        let before = resident_bytes()?;
        for i in 0..users {
            let key = format!("user-{i:06}");
            let token = user_token(&template, i)?;
            match kind {
                Kind::TokenInStore => store.save(&key, &token).await.map_err(|e| e.to_string())?,
                Kind::Session => {
                    let session = Session::refreshing(client.oauth())
                        .shared_store(Arc::clone(&shared_store))
                        .key(key.clone())
                        .build()
                        .map_err(|e| e.to_string())?;
                    session.set_token(token).await.map_err(|e| e.to_string())?;
                    sessions.insert(key, session);
                }
                Kind::BattleNetUserClient => {
                    let user = client
                        .with_user_token(token)
                        .await
                        .map_err(|e| e.to_string())?;
                    clients.insert(key, user);
                }
            }
        }
        let after = resident_bytes()?;
        std::hint::black_box((&store, &sessions, &clients));
        #[expect(clippy::cast_precision_loss, reason = "byte counts far below 2^52")]
        Ok((after.saturating_sub(before)) as f64 / users as f64)
    })
}

/// A client in the user workflow; it does no I/O here.
fn user_workflow_client() -> Result<BattleNetClient, String> {
    let unused = Url::parse("http://127.0.0.1:9/").map_err(|e| e.to_string())?;
    BattleNetClient::builder(Region::Us, "bench-client", "bench-secret")
        .redirect_uri("http://127.0.0.1:8080/callback")
        .scope("openid wow.profile")
        .oauth_base(unused.clone())
        .api_base(unused)
        .build()
        .map_err(|e| e.to_string())
}

/// The shape of a Battle.net user token as the sandbox issues it (and as
/// oauth-core keeps it): 43-character access token, bearer, expiry,
/// granted scopes, and `sub`.
fn token_template() -> Result<serde_json::Value, String> {
    let token = Token::bearer(AccessToken::new("x"))
        .with_expires_at(SystemTime::now() + Duration::from_secs(86_399));
    let mut value = serde_json::to_value(&token).map_err(|e| e.to_string())?;
    let object = value
        .as_object_mut()
        .ok_or("a token serialises to an object")?;
    object.insert(
        "scopes".into(),
        serde_json::json!(["openid", "wow.profile"]),
    );
    object.insert("extra".into(), serde_json::json!({ "sub": "100000000" }));
    Ok(value)
}

/// User `i`'s token: the template with its own access token and `sub`.
fn user_token(template: &serde_json::Value, i: usize) -> Result<Token, String> {
    let mut value = template.clone();
    value["access_token"] = serde_json::Value::String(access_token(i));
    value["extra"]["sub"] = serde_json::Value::String((100_000_000 + i).to_string());
    serde_json::from_value(value).map_err(|e| e.to_string())
}

/// 43 URL-safe characters that differ per user (a 32-byte random token's
/// length), from a small generator: no randomness needed, only distinct
/// values of the real length.
fn access_token(i: usize) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut state = (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..43)
        .map(|_| {
            // xorshift64
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            char::from(ALPHABET[usize::try_from(state % 64).unwrap_or(0)])
        })
        .collect()
}

/// Resident set size: `/proc/self/statm`'s second field, in pages.
fn resident_bytes() -> Result<u64, String> {
    let statm = std::fs::read_to_string("/proc/self/statm")
        .map_err(|e| format!("cannot read /proc/self/statm: {e}"))?;
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .ok_or("unexpected /proc/self/statm")?;
    Ok(pages * page_size())
}

/// The kernel's page size, from `/proc/self/smaps` (4 KiB on x86-64).
fn page_size() -> u64 {
    std::fs::read_to_string("/proc/self/smaps")
        .ok()
        .and_then(|smaps| {
            smaps.lines().find_map(|line| {
                let kb = line
                    .strip_prefix("KernelPageSize:")?
                    .trim()
                    .strip_suffix("kB")?;
                kb.trim().parse::<u64>().ok()
            })
        })
        .map_or(4096, |kb| kb * 1024)
}
