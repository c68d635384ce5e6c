//! The store on disk: one SQLite file in WAL mode, kept across restarts
//! and shared by the processes of a host.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use super::{CacheError, CacheKey, CacheStore, CachedResponse, encoding};

/// How long another process's write may hold the file before a call gives
/// up (and the cache layer treats it as a miss).
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// How stale an entry's last use may be recorded: a hit writes to the file
/// only when the entry was last marked used longer ago than this.
const USE_GRANULARITY_SECS: i64 = 60;

/// Answers kept in one SQLite file, about `max_bytes` at most
/// ([`CachedResponse::size`] summed): when a new entry passes the bound,
/// the least recently used go first (to the minute). The file survives
/// restarts, and several processes of one host may use it at once (WAL
/// mode, writes wait up to 5 s for one another). Calls run on tokio's
/// blocking pool.
///
/// The file holds API answers as they came, users' own included: keep it
/// where only the application can read it.
pub struct SqliteCache {
    /// A few connections, so reads run side by side (WAL lets them).
    connections: Arc<[Mutex<Connection>]>,
    path: PathBuf,
    max_bytes: u64,
    /// The bytes held, as this process counts them; read again from the
    /// file every [`RECOUNT_EVERY`] writes and before evicting, since
    /// other processes write too.
    bytes: Arc<AtomicU64>,
    writes: Arc<AtomicU64>,
}

/// Connections per store.
const CONNECTIONS: usize = 4;

/// How many writes go by between two counts of the file's bytes.
const RECOUNT_EVERY: u64 = 128;

impl SqliteCache {
    /// Opens (or creates) the cache file at `path`.
    ///
    /// # Errors
    /// [`CacheError::Corrupt`] when the file is not a sound SQLite database
    /// of this cache; [`CacheError::Store`] when it cannot be opened or
    /// written. [`open_or_replace`](Self::open_or_replace) starts afresh
    /// instead.
    pub fn open(path: impl AsRef<Path>, max_bytes: u64) -> Result<Self, CacheError> {
        let path = path.as_ref().to_path_buf();
        let mut connections = Vec::with_capacity(CONNECTIONS);
        for _ in 0..CONNECTIONS {
            let connection = Connection::open(&path).map_err(|e| store_error(&path, &e))?;
            if connections.is_empty() {
                prepare(&connection).map_err(|e| classify(&path, &e))?;
            } else {
                tune(&connection).map_err(|e| classify(&path, &e))?;
            }
            connections.push(Mutex::new(connection));
        }
        let bytes = {
            let first = connections[0]
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            total(&first).map_err(|e| classify(&path, &e))?
        };
        Ok(SqliteCache {
            connections: connections.into(),
            path,
            max_bytes,
            bytes: Arc::new(AtomicU64::new(bytes)),
            writes: Arc::new(AtomicU64::new(0)),
        })
    }

    /// Opens the cache file at `path`, or, when it is corrupt, moves it
    /// aside (to the same name with `.corrupt` added) and starts an empty
    /// one; the error that made it do so comes back beside the cache, to
    /// be logged.
    ///
    /// # Errors
    /// [`CacheError::Store`] when no cache file can be opened or made.
    pub fn open_or_replace(
        path: impl AsRef<Path>,
        max_bytes: u64,
    ) -> Result<(Self, Option<CacheError>), CacheError> {
        let path = path.as_ref();
        match Self::open(path, max_bytes) {
            Ok(cache) => Ok((cache, None)),
            Err(error @ CacheError::Corrupt(_)) => {
                let mut aside = path.as_os_str().to_owned();
                aside.push(".corrupt");
                std::fs::rename(path, &aside)
                    .map_err(|e| CacheError::Store(format!("{}: {e}", path.display())))?;
                for suffix in ["-wal", "-shm"] {
                    let mut side = path.as_os_str().to_owned();
                    side.push(suffix);
                    // Left by the corrupt file, if at all.
                    let _ = std::fs::remove_file(side);
                }
                Ok((Self::open(path, max_bytes)?, Some(error)))
            }
            Err(error) => Err(error),
        }
    }

    /// The file's path.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `work` on a free connection (or, when none is, the next one
    /// when it frees) on tokio's blocking pool.
    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Connection, &Path) -> Result<T, CacheError> + Send + 'static,
    ) -> Result<T, CacheError> {
        let connections = Arc::clone(&self.connections);
        let path = self.path.clone();
        let turn = usize::try_from(self.writes.load(Ordering::Relaxed)).unwrap_or(0);
        tokio::task::spawn_blocking(move || {
            let mut connection = connections
                .iter()
                .find_map(|connection| connection.try_lock().ok())
                .unwrap_or_else(|| {
                    connections[turn % connections.len()]
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                });
            work(&mut connection, &path)
        })
        .await
        .map_err(|e| CacheError::Store(format!("the cache task failed: {e}")))?
    }
}

/// The bytes the file's entries take, as stored.
fn total(connection: &Connection) -> rusqlite::Result<u64> {
    let total: i64 =
        connection.query_row("SELECT COALESCE(SUM(size), 0) FROM entries", [], |row| {
            row.get(0)
        })?;
    Ok(u64::try_from(total).unwrap_or(0))
}

/// A connection's own settings: how long to wait for another writer, and
/// commits that reach the disk at checkpoints (WAL keeps the file sound
/// after a crash; a cache may lose its last answers).
fn tune(connection: &Connection) -> rusqlite::Result<()> {
    connection.busy_timeout(BUSY_TIMEOUT)?;
    connection.execute_batch("PRAGMA synchronous = NORMAL;")
}

/// The file's settings and table, with the first connection's own.
fn prepare(connection: &Connection) -> rusqlite::Result<()> {
    tune(connection)?;
    // `journal_mode` answers with the mode set.
    let _: String = connection.query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))?;
    connection.execute_batch(
        "CREATE TABLE IF NOT EXISTS entries (
             key TEXT PRIMARY KEY NOT NULL,
             meta TEXT NOT NULL,
             headers BLOB NOT NULL,
             body BLOB NOT NULL,
             size INTEGER NOT NULL,
             used INTEGER NOT NULL
         );
         CREATE INDEX IF NOT EXISTS entries_used ON entries (used);",
    )?;
    let check: String = connection.query_row("PRAGMA quick_check", [], |row| row.get(0))?;
    if check == "ok" {
        Ok(())
    } else {
        Err(rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_CORRUPT),
            Some(check),
        ))
    }
}

fn now_secs() -> i64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

fn store_error(path: &Path, error: &rusqlite::Error) -> CacheError {
    CacheError::Store(format!("{}: {error}", path.display()))
}

/// A damaged or foreign file is `Corrupt`; anything else (locked, full,
/// unreadable) a `Store` failure.
fn classify(path: &Path, error: &rusqlite::Error) -> CacheError {
    let corrupt = matches!(
        error.sqlite_error_code(),
        Some(rusqlite::ErrorCode::DatabaseCorrupt | rusqlite::ErrorCode::NotADatabase)
    ) || matches!(error, rusqlite::Error::SqliteFailure(_, Some(message)) if message.contains("malformed"));
    if corrupt {
        CacheError::Corrupt(format!("{}: {error}", path.display()))
    } else {
        store_error(path, error)
    }
}

#[async_trait::async_trait]
impl CacheStore for SqliteCache {
    async fn get(&self, key: &CacheKey) -> Result<Option<Arc<CachedResponse>>, CacheError> {
        let key = key.clone();
        self.run(move |connection, path| {
            let row = connection
                .prepare_cached("SELECT meta, headers, body, used FROM entries WHERE key = ?1")
                .and_then(|mut statement| {
                    statement
                        .query_row(params![key.as_str()], |row| {
                            Ok((
                                row.get::<_, String>(0)?,
                                row.get::<_, Vec<u8>>(1)?,
                                row.get::<_, Vec<u8>>(2)?,
                                row.get::<_, i64>(3)?,
                            ))
                        })
                        .optional()
                })
                .map_err(|e| classify(path, &e))?;
            let Some((meta, headers, body, used)) = row else {
                return Ok(None);
            };
            let now = now_secs();
            if now - used > USE_GRANULARITY_SECS {
                connection
                    .prepare_cached("UPDATE entries SET used = ?2 WHERE key = ?1")
                    .and_then(|mut statement| statement.execute(params![key.as_str(), now]))
                    .map_err(|e| classify(path, &e))?;
            }
            encoding::read_parts(&meta, &headers, body.into()).map(|entry| Some(Arc::new(entry)))
        })
        .await
    }

    async fn put(&self, key: &CacheKey, entry: Arc<CachedResponse>) -> Result<(), CacheError> {
        let key = key.clone();
        let max_bytes = self.max_bytes;
        let bytes = Arc::clone(&self.bytes);
        let recount = self
            .writes
            .fetch_add(1, Ordering::Relaxed)
            .is_multiple_of(RECOUNT_EVERY);
        self.run(move |connection, path| {
            let size = u64::try_from(entry.size() + key.as_str().len()).unwrap_or(u64::MAX);
            if size > max_bytes / 8 {
                return Ok(());
            }
            let meta = encoding::meta(&entry)?;
            // The write lock from the start: a read that turns into a write
            // cannot wait for another connection's write, and would fail.
            let transaction = connection
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(|e| classify(path, &e))?;
            let replaced: Option<i64> = transaction
                .prepare_cached("SELECT size FROM entries WHERE key = ?1")
                .and_then(|mut statement| {
                    statement
                        .query_row(params![key.as_str()], |row| row.get(0))
                        .optional()
                })
                .map_err(|e| classify(path, &e))?;
            transaction
                .prepare_cached(
                    "INSERT INTO entries (key, meta, headers, body, size, used)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                     ON CONFLICT (key) DO UPDATE SET
                         meta = excluded.meta, headers = excluded.headers,
                         body = excluded.body, size = excluded.size, used = excluded.used",
                )
                .and_then(|mut statement| {
                    statement.execute(params![
                        key.as_str(),
                        meta,
                        encoding::encode_headers(&entry.headers),
                        &entry.body[..],
                        i64::try_from(size).unwrap_or(i64::MAX),
                        now_secs()
                    ])
                })
                .map_err(|e| classify(path, &e))?;
            let replaced = u64::try_from(replaced.unwrap_or(0)).unwrap_or(0);
            let mut held = (bytes.load(Ordering::Relaxed) + size).saturating_sub(replaced);
            // Other processes write too: before evicting (and now and
            // then), the file's own count.
            if recount || held > max_bytes {
                held = total(&transaction).map_err(|e| classify(path, &e))?;
            }
            while held > max_bytes {
                let oldest: Vec<(String, i64)> = transaction
                    .prepare_cached(
                        "SELECT key, size FROM entries WHERE key <> ?1 ORDER BY used, rowid LIMIT 32",
                    )
                    .and_then(|mut statement| {
                        statement
                            .query_map(params![key.as_str()], |row| Ok((row.get(0)?, row.get(1)?)))?
                            .collect()
                    })
                    .map_err(|e| classify(path, &e))?;
                if oldest.is_empty() {
                    break;
                }
                for (oldest, size) in oldest {
                    if held <= max_bytes {
                        break;
                    }
                    transaction
                        .prepare_cached("DELETE FROM entries WHERE key = ?1")
                        .and_then(|mut statement| statement.execute(params![oldest]))
                        .map_err(|e| classify(path, &e))?;
                    held = held.saturating_sub(u64::try_from(size).unwrap_or(0));
                }
            }
            transaction.commit().map_err(|e| classify(path, &e))?;
            bytes.store(held, Ordering::Relaxed);
            Ok(())
        })
        .await
    }

    async fn remove(&self, key: &CacheKey) -> Result<(), CacheError> {
        let key = key.clone();
        let bytes = Arc::clone(&self.bytes);
        self.run(move |connection, path| {
            connection
                .prepare_cached("DELETE FROM entries WHERE key = ?1")
                .and_then(|mut statement| statement.execute(params![key.as_str()]))
                .map_err(|e| classify(path, &e))?;
            bytes.store(
                total(connection).map_err(|e| classify(path, &e))?,
                Ordering::Relaxed,
            );
            Ok(())
        })
        .await
    }

    fn stored_bytes(&self) -> u64 {
        self.bytes.load(Ordering::Relaxed)
    }
}

impl std::fmt::Debug for SqliteCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteCache")
            .field("path", &self.path)
            .field("max_bytes", &self.max_bytes)
            .field("stored_bytes", &self.stored_bytes())
            .finish_non_exhaustive()
    }
}
