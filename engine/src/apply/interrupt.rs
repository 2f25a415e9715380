//! SIGINT and SIGTERM while `migrate` or `rollback` changes the database.
//!
//! By default a signal ends the process at once, which is right almost everywhere:
//! where DDL is transactional the server rolls back what was open, and the lock is
//! released with the connection. On MySQL/MariaDB a migration is marked as started
//! before its first statement (`integrity::APPLYING`), so a signal that arrives before
//! that statement is sent would leave a marker claiming a half-applied migration that
//! never began. So while they run, these two commands take the signals themselves:
//! inside a migration that cannot be rolled back (the executor's window) the executor
//! decides what the marker says and stops; anywhere else the run stops at once, as it
//! would have. Either way the process exits 130 (SIGINT) or 143 (SIGTERM).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use tokio::sync::watch;

/// The signals of one run, once listened for.
pub struct Interrupts {
    fired: watch::Receiver<Option<Signal>>,
    /// Set while the executor runs a migration that cannot be rolled back.
    in_window: AtomicBool,
    /// The executor took the signal: the run ends with its report, however long
    /// releasing the lock takes.
    handled: AtomicBool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    Interrupt,
    Terminate,
}

impl Signal {
    pub fn name(self) -> &'static str {
        match self {
            Signal::Interrupt => "SIGINT",
            Signal::Terminate => "SIGTERM",
        }
    }

    /// The exit status a shell gives a process this signal ended.
    pub fn exit_status(self) -> u8 {
        match self {
            Signal::Interrupt => 130,
            Signal::Terminate => 143,
        }
    }
}

/// The run stopped on a signal; the message says what it left behind.
#[derive(Debug, thiserror::Error)]
#[error("stopped by {}: {left}", .signal.name())]
pub struct Interrupted {
    pub signal: Signal,
    pub left: String,
}

impl Interrupts {
    /// Takes SIGINT and SIGTERM from here on, for the rest of the process.
    pub fn listen() -> std::io::Result<Arc<Interrupts>> {
        let arrived = arrival()?;
        let (tell, fired) = watch::channel(None);
        tokio::spawn(async move {
            let which = arrived.await;
            let _ = tell.send(Some(which));
            // Held open, so that receivers keep the value.
            tell.closed().await;
        });
        Ok(Arc::new(Interrupts {
            fired,
            in_window: AtomicBool::new(false),
            handled: AtomicBool::new(false),
        }))
    }

    /// Resolves when a signal has arrived (at once if one already has).
    pub async fn signalled(&self) -> Signal {
        let mut fired = self.fired.clone();
        match fired.wait_for(Option::is_some).await {
            Ok(signal) => signal.unwrap_or(Signal::Interrupt),
            // The listener is gone: no signal will come.
            Err(_) => std::future::pending().await,
        }
    }

    /// Resolves when a signal has arrived and the executor is not handling it.
    pub async fn outside_window(&self) -> Signal {
        let signal = self.signalled().await;
        while self.in_window.load(Ordering::SeqCst) {
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        if self.handled.load(Ordering::SeqCst) {
            return std::future::pending().await;
        }
        signal
    }

    /// The executor takes the signal that arrived, and reports what it left.
    pub fn handle(&self) {
        self.handled.store(true, Ordering::SeqCst);
    }

    /// Marks the executor's window; it ends when the guard is dropped.
    pub fn window(&self) -> WindowGuard<'_> {
        self.in_window.store(true, Ordering::SeqCst);
        WindowGuard(self)
    }
}

/// The first of SIGINT and SIGTERM to arrive.
#[cfg(unix)]
fn arrival() -> std::io::Result<impl Future<Output = Signal>> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut interrupt = signal(SignalKind::interrupt())?;
    let mut terminate = signal(SignalKind::terminate())?;
    Ok(async move {
        tokio::select! {
            _ = interrupt.recv() => Signal::Interrupt,
            _ = terminate.recv() => Signal::Terminate,
        }
    })
}

#[cfg(not(unix))]
fn arrival() -> std::io::Result<impl Future<Output = Signal>> {
    Ok(async {
        let _ = tokio::signal::ctrl_c().await;
        Signal::Interrupt
    })
}

pub struct WindowGuard<'a>(&'a Interrupts);

impl Drop for WindowGuard<'_> {
    fn drop(&mut self) {
        self.0.in_window.store(false, Ordering::SeqCst);
    }
}

/// Runs `work` to its end, unless a signal arrives outside the executor's window:
/// then it stops there, where nothing is half-done.
pub async fn unless_stopped<T>(
    interrupts: &Interrupts,
    work: impl Future<Output = anyhow::Result<T>>,
) -> anyhow::Result<T> {
    tokio::select! {
        biased;
        out = work => out,
        signal = interrupts.outside_window() => Err(Interrupted {
            signal,
            left: "nothing is half-done: what was applied is recorded, and a migration \
                   running in a transaction is rolled back by the server"
                .into(),
        }
        .into()),
    }
}
