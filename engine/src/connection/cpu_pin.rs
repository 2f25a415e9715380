//! SQLite: the driver's worker thread starts on the processor of the thread that opens
//! the connection, and stays there.
//!
//! The SQLite driver runs each connection on a thread of its own, and every statement
//! is a hand-off to that thread and back, seven or so a migration. When the two
//! threads sit on different processors, each hand-off wakes a sleeping processor (on a
//! virtual machine, a round trip through the hypervisor), which at 200 migrations in
//! one transaction cost more than the SQL itself (BENCHMARKS.md). The two threads never
//! run at the same time (one always waits for the other), so sharing one processor
//! loses nothing.
//!
//! Threads inherit the affinity of the thread that starts them, so the opening thread
//! is pinned only while the connection opens, and its own affinity restored at once:
//! the worker alone keeps the pin, and dies with the connection. Nothing else (the
//! history scan's threads, rustfmt, cargo) inherits it. The tests in this module say
//! when it can go: when the driver stops running a thread of its own.

/// The opening thread's affinity as it was, restored when dropped.
pub struct Pinned {
    #[cfg(target_os = "linux")]
    before: Option<libc::cpu_set_t>,
}

/// Restricts the calling thread to the processor it is on, until the returned guard
/// is dropped. Best effort: where this cannot be done, nothing changes.
#[cfg(target_os = "linux")]
pub fn while_opening() -> Pinned {
    // SAFETY: plain system calls on zeroed cpu_set_t values of the size passed; pid 0
    // is the calling thread.
    unsafe {
        let mut allowed: libc::cpu_set_t = std::mem::zeroed();
        let size = std::mem::size_of::<libc::cpu_set_t>();
        let unpinned = Pinned { before: None };
        if libc::sched_getaffinity(0, size, &mut allowed) != 0 || libc::CPU_COUNT(&allowed) < 2 {
            return unpinned;
        }
        let Ok(cpu) = usize::try_from(libc::sched_getcpu()) else {
            return unpinned;
        };
        if cpu >= libc::CPU_SETSIZE as usize || !libc::CPU_ISSET(cpu, &allowed) {
            return unpinned;
        }
        let mut one: libc::cpu_set_t = std::mem::zeroed();
        libc::CPU_SET(cpu, &mut one);
        if libc::sched_setaffinity(0, size, &one) != 0 {
            return unpinned;
        }
        Pinned {
            before: Some(allowed),
        }
    }
}

#[cfg(target_os = "linux")]
impl Drop for Pinned {
    fn drop(&mut self) {
        if let Some(before) = &self.before {
            // SAFETY: `before` is the set read from this thread by sched_getaffinity.
            unsafe {
                libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), before);
            }
        }
    }
}

#[cfg(not(target_os = "linux"))]
pub fn while_opening() -> Pinned {
    Pinned {}
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use sea_orm::{ConnectionTrait, Database};

    /// This thread's processors, as the kernel reports them.
    fn allowed() -> Vec<usize> {
        // SAFETY: as in `while_opening`.
        unsafe {
            let mut set: libc::cpu_set_t = std::mem::zeroed();
            libc::sched_getaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &mut set);
            (0..libc::CPU_SETSIZE as usize)
                .filter(|&cpu| libc::CPU_ISSET(cpu, &set))
                .collect()
        }
    }

    /// The threads of this process whose name starts with `prefix` (the kernel keeps
    /// 15 characters of a name).
    fn threads_named(prefix: &str) -> usize {
        std::fs::read_dir("/proc/self/task")
            .unwrap()
            .filter_map(|task| std::fs::read_to_string(task.ok()?.path().join("comm")).ok())
            .filter(|name| name.starts_with(prefix))
            .count()
    }

    /// The pin is the opening thread's only for as long as the connection opens.
    #[test]
    fn the_opening_thread_gets_its_processors_back() {
        let before = allowed();
        {
            let _pinned = super::while_opening();
            if before.len() > 1 {
                assert_eq!(allowed().len(), 1);
            }
        }
        assert_eq!(allowed(), before);
    }

    /// Fails when the SQLite driver no longer starts a thread of its own per
    /// connection: the pin then buys nothing, and this module can go.
    #[tokio::test(flavor = "current_thread")]
    async fn the_sqlite_driver_still_runs_a_thread_per_connection() {
        let db = Database::connect("sqlite::memory:").await.unwrap();
        db.execute_unprepared("SELECT 1").await.unwrap();
        assert!(
            threads_named("sqlx-sqlite") > 0,
            "the SQLite driver runs no thread of its own any more: connection/cpu_pin.rs can go"
        );
        db.close().await.unwrap();
    }
}
