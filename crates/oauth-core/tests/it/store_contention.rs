//! `FileStore` used by two processes at once: this test binary runs itself
//! twice as writers that save distinct tokens under one key, interleaved,
//! while the parent reads. No load may ever see a torn or mixed token, and
//! the file ends holding the last token of one of the writers.
#![cfg(feature = "file-store")]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::temp::temp_dir;

use oauth_core::{AccessToken, FileStore, RefreshToken, Token, TokenStore};

/// Set in a child process: the file to write.
const PATH_ENV: &str = "OAUTH_CORE_CONTENTION_PATH";
/// Set in a child process: its name, which prefixes its tokens.
const ROLE_ENV: &str = "OAUTH_CORE_CONTENTION_ROLE";
/// Saves per writer.
const SAVES: u32 = 150;
const KEY: &str = "alice";

/// The `n`-th token of writer `role`: its access and refresh tokens name
/// the same save, so a mix of two saves shows.
fn token(role: &str, n: u32) -> Token {
    // A few KiB, so a write takes long enough to overlap the other's.
    let padding = "p".repeat(4096);
    Token::bearer(AccessToken::new(format!("{role}-{n}-{padding}")))
        .with_refresh_token(RefreshToken::new(format!("{role}-refresh-{n}")))
}

/// Which save of which writer a loaded token is; panics on a token no
/// writer saved whole.
fn identify(token: &Token) -> (String, u32) {
    let access = token.access_token().secret();
    let mut parts = access.splitn(3, '-');
    let role = parts.next().unwrap().to_owned();
    let n: u32 = parts.next().unwrap().parse().unwrap();
    let refresh = token.refresh_token().unwrap().secret();
    assert_eq!(
        refresh,
        format!("{role}-refresh-{n}"),
        "a token mixed from two saves"
    );
    assert_eq!(access, token_access(&role, n), "a torn access token");
    (role, n)
}

fn token_access(role: &str, n: u32) -> String {
    token(role, n).access_token().secret().to_owned()
}

/// A writer `two_processes_saving_at_once_never_tear_the_file` starts in a
/// child process: saves its tokens in order, loading after each save; every
/// load must parse and be a whole token. Not a test of its own.
#[tokio::test]
#[ignore = "a child process of two_processes_saving_at_once_never_tear_the_file"]
async fn contention_writer() {
    let path = PathBuf::from(std::env::var_os(PATH_ENV).expect("started by its parent test"));
    let role = std::env::var(ROLE_ENV).expect("started by its parent test");
    // Start together: say ready, wait for the parent's go.
    let dir = path.parent().unwrap().to_owned();
    std::fs::write(dir.join(format!("ready-{role}")), b"").unwrap();
    while !dir.join("go").exists() {
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    let store = FileStore::new(path);
    for n in 1..=SAVES {
        store.save(KEY, &token(&role, n)).await.unwrap();
        let loaded = store.load(KEY).await.unwrap().unwrap();
        let (who, m) = identify(&loaded);
        // Our own later save cannot be there yet; the other's may.
        assert!(who != role || m == n, "{role} saved {n} and read its {m}");
    }
}

fn spawn_writer(path: &Path, role: &str) -> std::process::Child {
    Command::new(std::env::current_exe().unwrap())
        .args([
            "store_contention::contention_writer",
            "--exact",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(PATH_ENV, path)
        .env(ROLE_ENV, role)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_saving_at_once_never_tear_the_file() {
    let dir = temp_dir("store-contention");
    let path = dir.join("tokens.json");
    let store = FileStore::new(&path);
    store.save(KEY, &token("start", 0)).await.unwrap();

    let writers = [spawn_writer(&path, "a"), spawn_writer(&path, "b")];
    let started = std::time::Instant::now();
    while !(dir.join("ready-a").exists() && dir.join("ready-b").exists()) {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the writers never started"
        );
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    std::fs::write(dir.join("go"), b"").unwrap();
    // Read all the while they write: every load parses, every token is
    // whole, and each writer's saves are seen in order.
    let mut loads = 0_u32;
    let mut seen = std::collections::BTreeMap::<String, u32>::new();
    let mut previous = String::new();
    let mut switches = 0_u32;
    let mut writers: Vec<_> = writers.into_iter().map(Some).collect();
    let mut statuses = Vec::new();
    while writers.iter().any(Option::is_some) {
        let loaded = store.load(KEY).await.unwrap().unwrap();
        let (role, n) = identify(&loaded);
        let last = seen.entry(role.clone()).or_insert(n);
        assert!(n >= *last, "{role}'s save {n} came back after its {last}");
        *last = n;
        if role != previous {
            switches += 1;
            previous = role;
        }
        loads += 1;
        for slot in &mut writers {
            if let Some(child) = slot
                && child.try_wait().unwrap().is_some()
            {
                let output = slot.take().unwrap().wait_with_output().unwrap();
                statuses.push(output);
            }
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    for output in &statuses {
        assert!(
            output.status.success(),
            "a writer failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }

    // The last writer wins, whole: the file holds one writer's last token.
    let last = store.load(KEY).await.unwrap().unwrap();
    let (role, n) = identify(&last);
    assert!(
        (role == "a" || role == "b") && n == SAVES,
        "the file ends with {role}'s save {n}, not a writer's last"
    );
    // The writers overlapped: the reader saw the file change hands
    // between them again and again.
    assert!(
        seen.contains_key("a") && seen.contains_key("b") && switches > 4,
        "the writers hardly overlapped ({switches} changes of hands, {seen:?} in {loads} loads)"
    );
    // No temporary file is left behind.
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    // The lock file stays: another store may hold it open.
    assert_eq!(
        names,
        [
            ".tokens.json.lock",
            "go",
            "ready-a",
            "ready-b",
            "tokens.json"
        ]
    );
    std::fs::remove_dir_all(dir).unwrap();
}
