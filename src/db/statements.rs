//! Counts the statements each HTTP request sends to the database (issue 16: a budget per
//! action, held by a test). Every connection reports its statements to a counter of the thread
//! it runs on; `Db::run`/`Db::write` take the difference around their work and add it to the
//! HTTP request being served (a task-local opened by `http::request_context`), which logs it
//! and, when `ROGATORY_SERVER_TIMING` is on, answers it in `Server-Timing`.

use std::cell::Cell;

use diesel::connection::{Instrumentation, InstrumentationEvent};

thread_local! {
    static ON_THREAD: Cell<u64> = const { Cell::new(0) };
}

tokio::task_local! {
    static IN_REQUEST: Cell<u64>;
}

/// What every connection reports: one count per statement sent (queries, batches,
/// `BEGIN`/`COMMIT`) to the thread that sends it, and whether the connection was found lost
/// (the server closed it, or a command could not be sent). The pool does not ping a connection
/// before lending it (one round trip per checkout, issue 16): a lost one is known by its error
/// here and discarded on return (`AnyConnectionManager::has_broken`).
#[derive(Debug, Default)]
pub struct ConnectionWatch {
    pub lost: bool,
    /// When the connection last answered: a connection idle for a while is pinged before
    /// use (`Db::checkout`), one busy under load never is.
    pub last_answer: Option<std::time::Instant>,
}

impl Instrumentation for ConnectionWatch {
    fn on_connection_event(&mut self, event: InstrumentationEvent<'_>) {
        match event {
            InstrumentationEvent::StartQuery { query, .. } => {
                ON_THREAD.with(|c| c.set(c.get() + 1));
                // `RUST_LOG=rogatory::sql=trace`: every statement with its binds, to see what an
                // action sends (the text is built only when the level is on).
                tracing::trace!(target: "rogatory::sql", "{query}");
            }
            InstrumentationEvent::FinishQuery { error: None, .. } => self.last_answer = Some(std::time::Instant::now()),
            InstrumentationEvent::FinishQuery { error: Some(error), .. } => {
                use diesel::result::{DatabaseErrorKind, Error};
                if matches!(
                    error,
                    Error::DatabaseError(
                        DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand,
                        _
                    )
                ) {
                    self.lost = true;
                }
            }
            _ => {}
        }
    }
}

/// Whether a connection's watch saw it lost.
pub fn lost(instrumentation: &mut dyn Instrumentation) -> bool {
    instrumentation.downcast_ref::<ConnectionWatch>().is_some_and(|w| w.lost)
}

/// How long since the connection last answered (`None`: never, or no watch).
pub fn idle_for(instrumentation: &mut dyn Instrumentation) -> Option<std::time::Duration> {
    instrumentation.downcast_ref::<ConnectionWatch>().and_then(|w| w.last_answer).map(|t| t.elapsed())
}

/// Statements sent so far by connections used on this thread.
pub fn on_this_thread() -> u64 {
    ON_THREAD.with(Cell::get)
}

/// Adds statements to the HTTP request being served, if any.
pub fn add_to_request(n: u64) {
    let _ = IN_REQUEST.try_with(|c| c.set(c.get() + n));
}

/// Runs `work` (an HTTP request's handling) and answers how many statements it sent.
pub async fn counted<F: std::future::Future>(work: F) -> (F::Output, u64) {
    IN_REQUEST
        .scope(Cell::new(0), async {
            let out = work.await;
            (out, IN_REQUEST.with(Cell::get))
        })
        .await
}
