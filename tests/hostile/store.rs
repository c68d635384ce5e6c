//! A local account against `FileStore`: token files planted in a shared
//! directory, open to everyone or owned by someone else; and many stores on
//! one path, in one process and in several.

use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;

use oauth_core::{AccessToken, Error, FileStore, FileStoreError, RefreshToken, Token, TokenStore};

use super::session::tempdir;

fn token(n: usize) -> Token {
    Token::bearer(AccessToken::new(format!("AT-{n}")))
        .with_refresh_token(RefreshToken::new(format!("RT-{n}")))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn many_stores_on_one_path_lose_no_save() {
    // Item 4: two instances in one process lost 93 of 200 saves, their
    // locks being their own.
    let dir = tempdir("instances");
    let path = dir.join("tokens.json");
    let stores: Vec<FileStore> = (0..4).map(|_| FileStore::new(&path)).collect();
    let mut saves = Vec::new();
    for n in 0..200 {
        let store = stores[n % stores.len()].clone();
        saves.push(tokio::spawn(async move {
            store.save(&format!("user-{n}"), &token(n)).await.unwrap();
        }));
    }
    for save in saves {
        save.await.unwrap();
    }
    let reader = FileStore::new(&path);
    for n in 0..200 {
        let stored = reader.load(&format!("user-{n}")).await.unwrap();
        assert_eq!(
            stored.map(|t| t.access_token().secret().to_owned()),
            Some(format!("AT-{n}")),
            "save {n} was lost"
        );
    }
    std::fs::remove_dir_all(dir).unwrap();
}

/// Set in the child processes of `many_processes_on_one_path_lose_no_save`.
const CHILD_PATH: &str = "OAUTH_HOSTILE_STORE_PATH";
const CHILD_ROLE: &str = "OAUTH_HOSTILE_STORE_ROLE";
const PER_CHILD: usize = 60;

#[tokio::test]
async fn many_processes_on_one_path_lose_no_save() {
    // Item 4 across processes: three writers save distinct keys at once.
    let dir = tempdir("processes");
    let path = dir.join("tokens.json");
    let children: Vec<_> = (0..3)
        .map(|role| {
            Command::new(std::env::current_exe().unwrap())
                .args([
                    "hostile::store::child_writer",
                    "--exact",
                    "--ignored",
                    "--nocapture",
                ])
                .env(CHILD_PATH, &path)
                .env(CHILD_ROLE, role.to_string())
                .stdout(Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    for mut child in children {
        assert!(child.wait().unwrap().success(), "a writer failed");
    }
    let reader = FileStore::new(&path);
    for role in 0..3 {
        for n in 0..PER_CHILD {
            let key = format!("writer-{role}-{n}");
            assert!(reader.load(&key).await.unwrap().is_some(), "{key} was lost");
        }
    }
    std::fs::remove_dir_all(dir).unwrap();
}

/// The writer `many_processes_on_one_path_lose_no_save` starts; not a test
/// of its own.
#[tokio::test]
#[ignore = "started by many_processes_on_one_path_lose_no_save"]
async fn child_writer() {
    let path = std::env::var(CHILD_PATH).expect("started by its parent test");
    let role = std::env::var(CHILD_ROLE).unwrap();
    let store = FileStore::new(path);
    for n in 0..PER_CHILD {
        store
            .save(&format!("writer-{role}-{n}"), &token(n))
            .await
            .unwrap();
    }
}

fn insecure_problem(error: &Error) -> &'static str {
    let Error::Store(source) = error else {
        panic!("expected a store error, got {error:?}");
    };
    match source.downcast_ref::<FileStoreError>() {
        Some(FileStoreError::Insecure { problem, .. }) => problem,
        other => panic!("expected an insecure file, got {other:?}"),
    }
}

#[cfg(unix)]
#[tokio::test]
async fn a_planted_or_loose_token_file_is_refused() {
    // Item 18: a file writable (or readable) by others, or owned by another
    // user, is never used, and its tokens never shown.
    use std::os::unix::fs::PermissionsExt as _;

    let dir = tempdir("planted");
    let path = dir.join("tokens.json");
    let planted = r#"{"version":1,"tokens":{"alice":{"access_token":"planted-AT-Xy7"}}}"#;
    for mode in [0o666, 0o644, 0o620, 0o604] {
        std::fs::write(&path, planted).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
        let store = FileStore::new(&path);
        let error = store.load("alice").await.unwrap_err();
        assert_eq!(
            insecure_problem(&error),
            "group or others may read or write it (its mode should be 0600)",
            "mode {mode:o}"
        );
        assert!(!super::shown(&error).contains("planted-AT"));
        // Nor is it written over.
        store.save("alice", &token(1)).await.unwrap_err();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), planted);
    }

    // Owned by someone else: as root, hand the file to `nobody`; as anyone
    // else, point the path at a file root owns.
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    let foreign = if is_root() {
        std::os::unix::fs::chown(&path, Some(65_534), Some(65_534)).unwrap();
        path.clone()
    } else {
        let link = dir.join("linked.json");
        std::os::unix::fs::symlink(Path::new("/etc/hostname"), &link).unwrap();
        link
    };
    let error = FileStore::new(&foreign).load("alice").await.unwrap_err();
    assert_eq!(insecure_problem(&error), "it is owned by another user");
    assert!(
        error
            .to_string()
            .contains("is not safe to use: it is owned by another user"),
        "{error}"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[cfg(unix)]
fn is_root() -> bool {
    use std::os::unix::fs::MetadataExt as _;
    // A file this process makes is owned by its effective user.
    let probe = tempdir("whoami");
    let uid = std::fs::metadata(&probe).unwrap().uid();
    std::fs::remove_dir_all(probe).unwrap();
    uid == 0
}

#[tokio::test]
async fn removing_a_rejected_token_spares_a_newer_one() {
    // The store half of item 3: compare-and-delete, across instances.
    let dir = tempdir("remove-if");
    let path = dir.join("tokens.json");
    let (a, b) = (FileStore::new(&path), FileStore::new(&path));
    let stores: [Arc<dyn TokenStore>; 2] = [
        Arc::new(oauth_core::MemoryStore::new()),
        Arc::new(a.clone()),
    ];
    for store in stores {
        store.save("k", &token(2)).await.unwrap();
        assert!(
            !store.remove_if("k", &token(1)).await.unwrap(),
            "a newer token stays"
        );
        assert!(store.load("k").await.unwrap().is_some());
        assert!(store.remove_if("k", &token(2)).await.unwrap());
        assert!(store.load("k").await.unwrap().is_none());
        assert!(
            store.remove_if("k", &token(2)).await.unwrap(),
            "nothing stored"
        );
    }
    a.save("k", &token(3)).await.unwrap();
    assert!(!b.remove_if("k", &token(1)).await.unwrap());
    assert!(b.remove_if("k", &token(3)).await.unwrap());
    assert!(a.load("k").await.unwrap().is_none());
    std::fs::remove_dir_all(dir).unwrap();
}
