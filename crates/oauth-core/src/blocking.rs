//! A tokio runtime on a background thread, for the blocking clients of
//! provider crates (as `reqwest::blocking` does it): a script calls a
//! method, the future runs on the runtime's thread, the caller's thread
//! waits for its outcome.

use std::fmt;
use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError, mpsc};
use std::thread::{self, JoinHandle};

/// A current-thread tokio runtime on its own thread, shared by clones and
/// stopped when the last clone is dropped.
///
/// ```
/// let runtime = oauth_core::blocking::Runtime::new()?;
/// assert_eq!(runtime.block_on(async { 1 + 1 }), 2);
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Clone)]
pub struct Runtime {
    worker: Arc<Worker>,
}

struct Worker {
    handle: tokio::runtime::Handle,
    /// Dropping it ends the runtime thread's wait.
    stop: Mutex<Option<tokio::sync::oneshot::Sender<()>>>,
    thread: Mutex<Option<JoinHandle<()>>>,
}

impl fmt::Debug for Runtime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Runtime").finish_non_exhaustive()
    }
}

impl Runtime {
    /// Starts the runtime's thread.
    ///
    /// # Errors
    /// When the runtime or its thread cannot be created.
    pub fn new() -> std::io::Result<Self> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let handle = runtime.handle().clone();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = thread::Builder::new()
            .name("oauth-blocking".to_owned())
            .spawn(move || {
                // Runs the spawned calls until every `Runtime` is dropped.
                let _ = runtime.block_on(stopped);
            })?;
        Ok(Runtime {
            worker: Arc::new(Worker {
                handle,
                stop: Mutex::new(Some(stop)),
                thread: Mutex::new(Some(thread)),
            }),
        })
    }

    /// Runs `future` on the runtime's thread and waits for its output. A
    /// panic in the future is resumed on the caller's thread.
    ///
    /// # Panics
    /// When called from inside an async runtime, where blocking the thread
    /// would stall every other task on it: call the async client there
    /// (or this from `tokio::task::spawn_blocking`).
    pub fn block_on<F>(&self, future: F) -> F::Output
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        assert!(
            tokio::runtime::Handle::try_current().is_err(),
            "a blocking client was called from inside an async runtime, where it would stall \
             the runtime's thread: use the async client there, or call it in \
             tokio::task::spawn_blocking"
        );
        let (done, outcome) = mpsc::sync_channel(1);
        let task = self.worker.handle.spawn(future);
        self.worker.handle.spawn(async move {
            let _ = done.send(task.await);
        });
        match outcome.recv() {
            Ok(Ok(output)) => output,
            Ok(Err(error)) if error.is_panic() => std::panic::resume_unwind(error.into_panic()),
            _ => panic!("the blocking runtime's thread stopped before the call finished"),
        }
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        self.stop
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        let thread = self
            .thread
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        // The last clone may be dropped by a task on the runtime's own
        // thread, which cannot wait for itself.
        if let Some(thread) = thread
            && thread.thread().id() != thread::current().id()
        {
            let _ = thread.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_futures_and_resumes_their_panics() {
        let runtime = Runtime::new().expect("runtime");
        let clone = runtime.clone();
        assert_eq!(clone.block_on(async { "done" }), "done");
        let timer = runtime.block_on(async {
            tokio::time::sleep(std::time::Duration::from_millis(1)).await;
            7
        });
        assert_eq!(timer, 7);
        let panic = std::panic::catch_unwind(|| runtime.block_on(async { panic!("inside") }))
            .expect_err("the panic comes back");
        assert_eq!(panic.downcast_ref::<&str>(), Some(&"inside"));
        // Still usable afterwards.
        assert_eq!(runtime.block_on(async { 1 }), 1);
    }

    #[tokio::test]
    async fn refuses_to_block_inside_a_runtime() {
        let runtime = tokio::task::spawn_blocking(|| Runtime::new().expect("runtime"))
            .await
            .expect("join");
        let refused = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            runtime.block_on(async {});
        }))
        .expect_err("refused");
        let message = refused.downcast_ref::<&str>().copied().unwrap_or_default();
        assert!(
            message.starts_with("a blocking client was called from inside an async runtime"),
            "{message}"
        );
        tokio::task::spawn_blocking(move || drop(runtime))
            .await
            .expect("join");
    }
}
