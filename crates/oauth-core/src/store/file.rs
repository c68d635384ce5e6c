//! A token store in one JSON file, replaced atomically on every change.

use std::collections::BTreeMap;
use std::fs;
use std::io::{self, Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::TokenStore;
use crate::error::Error;
use crate::token::Token;

/// Tokens in a JSON file, one entry per key.
///
/// - Every change writes a temporary file in the same directory, flushes it
///   to disk (`fsync`), and renames it over the old file: a crash at any
///   moment leaves either the old file or the new one, never a mix.
/// - On Unix the file is created with mode `0600` (owner only).
/// - A file that is not a token file is an error
///   ([`FileStoreError::Corrupt`]), never silently treated as empty, so a
///   damaged file cannot cost a user their refresh token unnoticed.
/// - Every change holds an exclusive OS lock (`flock`) on a lock file beside
///   the store (`.NAME.lock`), so changes are serialised across every
///   `FileStore` on the path, in this process and in others: none is lost.
/// - On Unix a file (or lock file) owned by another user, or open to group
///   or others (mode other than `0600`-like), is refused with
///   [`FileStoreError::Insecure`], as OpenSSH refuses a loose key file:
///   such a file may have been planted, or its tokens read.
///
/// File I/O runs on tokio's blocking thread pool, so use it inside a tokio
/// runtime.
#[derive(Clone)]
pub struct FileStore {
    inner: Arc<Inner>,
}

struct Inner {
    path: PathBuf,
}

impl std::fmt::Debug for FileStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FileStore")
            .field("path", &self.inner.path)
            .finish()
    }
}

/// Why a [`FileStore`] failed. Reaches the caller as
/// [`Error::Store`]; use `downcast_ref::<FileStoreError>()` on its source
/// to tell the cases apart.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FileStoreError {
    /// The file or its directory could not be read or written.
    #[error("cannot {action} {}: {source}", .path.display())]
    Io {
        /// What was being done (`read`, `write`, `rename`, …).
        action: &'static str,
        /// The file concerned.
        path: PathBuf,
        /// The system's error.
        #[source]
        source: io::Error,
    },
    /// The file (or its lock file) is owned by another user, or group or
    /// others may read or write it. It is not used: check who made it,
    /// then `chmod 600` it or delete it.
    #[error("{} is not safe to use: {problem}", .path.display())]
    Insecure {
        /// The file concerned.
        path: PathBuf,
        /// What is wrong with it.
        problem: &'static str,
    },
    /// The file exists but is not a token file written by this store. It is
    /// left as it is: fix or delete it.
    #[error(
        "{} is not a valid token file: {problem} at line {line}, column {column}; fix or delete it",
        .path.display()
    )]
    Corrupt {
        /// The file concerned.
        path: PathBuf,
        /// What kind of problem (never the file's content, which holds secrets).
        problem: &'static str,
        /// Where in the file, counted from 1.
        line: usize,
        /// Where in the line, counted from 1.
        column: usize,
    },
}

/// The file's layout. Versioned so a later format can be told apart.
#[derive(Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct FileContents {
    version: u32,
    tokens: BTreeMap<String, Token>,
}

const VERSION: u32 = 1;

impl FileStore {
    /// A store kept at `path`. The file need not exist yet; its directory
    /// must.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        FileStore {
            inner: Arc::new(Inner { path: path.into() }),
        }
    }

    /// Where the tokens are kept.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    async fn blocking<T, F>(&self, job: F) -> Result<T, Error>
    where
        T: Send + 'static,
        F: FnOnce(&Inner) -> Result<T, FileStoreError> + Send + 'static,
    {
        let inner = Arc::clone(&self.inner);
        tokio::task::spawn_blocking(move || {
            // Held until the job is done; closing the file releases it.
            let _lock = lock(&inner.path)?;
            job(&inner)
        })
        .await
        .map_err(Error::store)?
        .map_err(Error::store)
    }
}

#[async_trait::async_trait]
impl TokenStore for FileStore {
    async fn load(&self, key: &str) -> Result<Option<Token>, Error> {
        let key = key.to_owned();
        self.blocking(move |inner| Ok(read(&inner.path)?.tokens.remove(&key)))
            .await
    }

    async fn save(&self, key: &str, token: &Token) -> Result<(), Error> {
        let key = key.to_owned();
        let token = token.clone();
        self.blocking(move |inner| {
            let mut contents = read(&inner.path)?;
            contents.tokens.insert(key, token);
            write(&inner.path, &contents)
        })
        .await
    }

    async fn remove(&self, key: &str) -> Result<(), Error> {
        let key = key.to_owned();
        self.blocking(move |inner| {
            let mut contents = read(&inner.path)?;
            if contents.tokens.remove(&key).is_some() {
                write(&inner.path, &contents)?;
            }
            Ok(())
        })
        .await
    }

    async fn remove_if(&self, key: &str, expected: &Token) -> Result<bool, Error> {
        let key = key.to_owned();
        let expected = expected.clone();
        self.blocking(move |inner| {
            let mut contents = read(&inner.path)?;
            match contents.tokens.get(&key) {
                None => return Ok(true),
                Some(stored) if !stored.same_credentials(&expected) => return Ok(false),
                Some(_) => {}
            }
            contents.tokens.remove(&key);
            write(&inner.path, &contents)?;
            Ok(true)
        })
        .await
    }
}

/// Takes the exclusive lock of the store at `path`: an OS lock on a lock
/// file beside it, which every `FileStore` on that path, in any process,
/// takes before it reads or changes the store.
fn lock(path: &Path) -> Result<fs::File, FileStoreError> {
    let (dir, name) = dir_and_name(path)?;
    let lock_path = dir.join(format!(".{name}.lock"));
    let mut options = fs::OpenOptions::new();
    // Never truncated: another store may hold the lock on it.
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let file = options
        .open(&lock_path)
        .map_err(io_error("open the lock file", &lock_path))?;
    check_safe(&file, &lock_path)?;
    file.lock().map_err(io_error("lock", &lock_path))?;
    Ok(file)
}

/// Refuses a file another user owns, or that group or others may read or
/// write (Unix); judged on the open file, so it cannot be swapped between
/// the check and the use.
#[cfg(unix)]
fn check_safe(file: &fs::File, path: &Path) -> Result<(), FileStoreError> {
    use std::os::unix::fs::MetadataExt as _;
    let metadata = file.metadata().map_err(io_error("inspect", path))?;
    let insecure = |problem| FileStoreError::Insecure {
        path: path.to_owned(),
        problem,
    };
    if !metadata.is_file() {
        return Err(insecure("it is not a regular file"));
    }
    if metadata.uid() != rustix::process::geteuid().as_raw() {
        return Err(insecure("it is owned by another user"));
    }
    if metadata.mode() & 0o077 != 0 {
        return Err(insecure(
            "group or others may read or write it (its mode should be 0600)",
        ));
    }
    Ok(())
}

#[cfg(not(unix))]
#[allow(clippy::unnecessary_wraps)] // Same signature as the Unix version.
fn check_safe(_file: &fs::File, _path: &Path) -> Result<(), FileStoreError> {
    Ok(())
}

/// The directory and the file name of the store's path.
fn dir_and_name(path: &Path) -> Result<(&Path, String), FileStoreError> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .ok_or_else(|| {
            io_error("write", path)(io::Error::new(
                io::ErrorKind::InvalidInput,
                "the path names no file",
            ))
        })?
        .to_string_lossy()
        .into_owned();
    Ok((dir, name))
}

fn io_error(action: &'static str, path: &Path) -> impl FnOnce(io::Error) -> FileStoreError {
    let path = path.to_owned();
    move |source| FileStoreError::Io {
        action,
        path,
        source,
    }
}

fn read(path: &Path) -> Result<FileContents, FileStoreError> {
    let mut file = match fs::File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return Ok(FileContents {
                version: VERSION,
                tokens: BTreeMap::new(),
            });
        }
        Err(e) => return Err(io_error("read", path)(e)),
    };
    check_safe(&file, path)?;
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes)
        .map_err(io_error("read", path))?;
    let contents: FileContents =
        serde_json::from_slice(&bytes).map_err(|e| FileStoreError::Corrupt {
            path: path.to_owned(),
            // serde_json's message may quote the file's content (a token):
            // keep only its category and position.
            problem: match e.classify() {
                serde_json::error::Category::Io => "unreadable",
                serde_json::error::Category::Syntax => "invalid JSON",
                serde_json::error::Category::Data => "unexpected data",
                serde_json::error::Category::Eof => "truncated JSON",
            },
            line: e.line(),
            column: e.column(),
        })?;
    if contents.version != VERSION {
        return Err(FileStoreError::Corrupt {
            path: path.to_owned(),
            problem: "unsupported format version",
            line: 1,
            column: 1,
        });
    }
    Ok(contents)
}

fn write(path: &Path, contents: &FileContents) -> Result<(), FileStoreError> {
    let (dir, name) = dir_and_name(path)?;
    // Same directory, so the rename stays on one file system and is atomic.
    let temp = dir.join(format!(
        ".{name}.{}.{}.tmp",
        std::process::id(),
        getrandom::u32().unwrap_or(0)
    ));
    let json = serde_json::to_vec_pretty(contents).map_err(|e| {
        io_error("serialise tokens for", path)(io::Error::new(io::ErrorKind::InvalidData, e))
    })?;
    let result = write_synced(&temp, &json)
        .and_then(|()| fs::rename(&temp, path).map_err(io_error("rename", &temp)));
    if result.is_err() {
        let _ = fs::remove_file(&temp);
    }
    result?;
    sync_dir(dir)
}

fn write_synced(temp: &Path, json: &[u8]) -> Result<(), FileStoreError> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        // Owner only, from the first byte on.
        options.mode(0o600);
    }
    let mut file = options.open(temp).map_err(io_error("create", temp))?;
    file.write_all(json).map_err(io_error("write", temp))?;
    file.sync_all().map_err(io_error("flush", temp))
}

/// Makes the rename itself durable.
#[cfg(unix)]
fn sync_dir(dir: &Path) -> Result<(), FileStoreError> {
    fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(io_error("flush directory", dir))
}

#[cfg(not(unix))]
#[allow(clippy::unnecessary_wraps)] // Same signature as the Unix version.
fn sync_dir(_dir: &Path) -> Result<(), FileStoreError> {
    Ok(())
}

// The files' modes and owners are Unix matters. Two attributes, not
// `cfg(all(test, unix))`: mutation testing knows a test module by its
// plain `cfg(test)`.
#[cfg(test)]
#[cfg(unix)]
mod tests {
    use std::os::unix::fs::PermissionsExt as _;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;
    use crate::secret::AccessToken;

    /// A fresh directory under the system's temporary one, removed on drop.
    struct TempDir(PathBuf);

    impl TempDir {
        fn new() -> Self {
            static NEXT: AtomicUsize = AtomicUsize::new(0);
            let path = std::env::temp_dir().join(format!(
                "oauth-core-file-store-{}-{}",
                std::process::id(),
                NEXT.fetch_add(1, Ordering::SeqCst)
            ));
            fs::create_dir_all(&path).expect("temporary directory");
            TempDir(path)
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .expect("list")
            .map(|entry| {
                entry
                    .expect("entry")
                    .file_name()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
        names.sort();
        names
    }

    fn mode(path: &Path) -> u32 {
        fs::metadata(path).expect("metadata").permissions().mode() & 0o777
    }

    #[tokio::test]
    async fn keeps_the_store_contract_in_a_private_file_beside_its_lock() {
        let dir = TempDir::new();
        let path = dir.0.join("tokens.json");
        let store = FileStore::new(&path);
        assert_eq!(store.path(), path);
        assert_eq!(
            format!("{store:?}"),
            format!("FileStore {{ path: {path:?} }}")
        );
        crate::store::tests::keeps_the_store_contract(&store).await;
        // No temporary file is left behind, and the lock is beside the
        // store, not in the working directory.
        assert_eq!(names(&dir.0), [".tokens.json.lock", "tokens.json"]);
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(&dir.0.join(".tokens.json.lock")), 0o600);
        let json: serde_json::Value =
            serde_json::from_slice(&fs::read(&path).expect("read")).expect("json");
        assert_eq!(json["version"], 1);
        assert_eq!(json["tokens"]["alice"]["access_token"], "a3");
        // A second store on the same path sees the same tokens.
        let again = FileStore::new(&path);
        let alice = again.load("alice").await.expect("load").expect("stored");
        assert_eq!(alice.access_token().secret(), "a3");
    }

    #[tokio::test]
    async fn a_path_without_a_directory_is_in_the_working_directory() {
        // Unique, so parallel runs do not meet; removed at the end.
        let name = format!(".oauth-core-unit-{}-tokens.json", std::process::id());
        let store = FileStore::new(&name);
        let saved = store.save("k", &Token::bearer(AccessToken::new("a"))).await;
        let listed = (
            Path::new(&name).exists(),
            Path::new(&format!(".{name}.lock")).exists(),
        );
        let _ = fs::remove_file(&name);
        let _ = fs::remove_file(format!(".{name}.lock"));
        saved.expect("saved");
        assert_eq!(listed, (true, true));
    }

    #[tokio::test]
    async fn unsafe_or_unreadable_files_are_refused_as_they_are() {
        let dir = TempDir::new();
        let loose = dir.0.join("loose.json");
        fs::write(&loose, br#"{"version":1,"tokens":{}}"#).expect("write");
        fs::set_permissions(&loose, fs::Permissions::from_mode(0o644)).expect("chmod");
        let newer = dir.0.join("newer.json");
        fs::write(&newer, br#"{"version":2,"tokens":{}}"#).expect("write");
        fs::set_permissions(&newer, fs::Permissions::from_mode(0o600)).expect("chmod");
        let broken = dir.0.join("broken.json");
        fs::write(&broken, br#"{"version":1,"tokens":{"k":{"access_token":"#).expect("write");
        fs::set_permissions(&broken, fs::Permissions::from_mode(0o600)).expect("chmod");
        let a_dir = dir.0.join("a-dir.json");
        fs::create_dir(&a_dir).expect("mkdir");
        let a_loop = dir.0.join("loop.json");
        std::os::unix::fs::symlink(&a_loop, &a_loop).expect("symlink");
        let cases = [
            (
                &loose,
                format!(
                    "token store: {} is not safe to use: group or others may read or write it (its mode should be 0600)",
                    loose.display()
                ),
            ),
            (
                &newer,
                format!(
                    "token store: {} is not a valid token file: unsupported format version at line 1, column 1; fix or delete it",
                    newer.display()
                ),
            ),
            (
                &broken,
                format!(
                    "token store: {} is not a valid token file: truncated JSON at line 1, column 43; fix or delete it",
                    broken.display()
                ),
            ),
            (
                &a_dir,
                format!(
                    "token store: {} is not safe to use: it is not a regular file",
                    a_dir.display()
                ),
            ),
            (
                &a_loop,
                format!(
                    "token store: cannot read {}: Too many levels of symbolic links (os error 40)",
                    a_loop.display()
                ),
            ),
        ];
        for (path, expected) in cases {
            let store = FileStore::new(path);
            let error = store.load("k").await.expect_err(&expected);
            assert_eq!(error.to_string(), expected);
            let error = store
                .save("k", &Token::bearer(AccessToken::new("a")))
                .await
                .expect_err(&expected);
            assert_eq!(error.to_string(), expected, "a save leaves it as it is");
        }
        assert_eq!(mode(&loose), 0o644);
        assert_eq!(
            fs::read(&newer).expect("read"),
            br#"{"version":2,"tokens":{}}"#
        );
    }

    #[test]
    fn a_directory_that_cannot_be_flushed_is_an_error() {
        let dir = TempDir::new();
        sync_dir(&dir.0).expect("an existing directory");
        let missing = dir.0.join("missing");
        let error = sync_dir(&missing).expect_err("missing");
        assert_eq!(
            error.to_string(),
            format!(
                "cannot flush directory {}: No such file or directory (os error 2)",
                missing.display()
            )
        );
    }
}
