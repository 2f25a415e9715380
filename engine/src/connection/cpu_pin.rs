//! SQLite: keeps this thread, and the driver's worker thread it is about to start, on
//! the processor it is running on.
//!
//! The SQLite driver runs each connection on a thread of its own, and every statement
//! is a hand-off to that thread and back, seven or so a migration. When the two
//! threads sit on different processors, each hand-off wakes a sleeping processor (on a
//! virtual machine, a round trip through the hypervisor), which at 200 migrations in
//! one transaction cost more than the SQL itself. The two threads never run at the
//! same time (one always waits for the other), so sharing one processor loses nothing.
//! Threads inherit the mask of the thread that starts them, so this runs before the
//! connection opens.

/// Restricts the calling thread to the processor it is on, when it may use several.
/// Best effort: where this cannot be done, nothing changes.
#[cfg(target_os = "linux")]
pub fn stay_on_this_cpu() {
    // SAFETY: plain system calls on a zeroed cpu_set_t of the size passed; pid 0 is
    // the calling thread.
    unsafe {
        let mut allowed: libc::cpu_set_t = std::mem::zeroed();
        let size = std::mem::size_of::<libc::cpu_set_t>();
        if libc::sched_getaffinity(0, size, &mut allowed) != 0 || libc::CPU_COUNT(&allowed) < 2 {
            return;
        }
        let Ok(cpu) = usize::try_from(libc::sched_getcpu()) else {
            return;
        };
        if cpu >= libc::CPU_SETSIZE as usize || !libc::CPU_ISSET(cpu, &allowed) {
            return;
        }
        let mut one: libc::cpu_set_t = std::mem::zeroed();
        libc::CPU_SET(cpu, &mut one);
        libc::sched_setaffinity(0, size, &one);
    }
}

#[cfg(not(target_os = "linux"))]
pub fn stay_on_this_cpu() {}
