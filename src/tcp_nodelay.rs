//! Every TCP socket of the `manage` binary is opened with Nagle's algorithm off.
//!
//! sqlx 0.9.0 stopped setting TCP_NODELAY (launchbadge/sqlx#4335; fixed upstream,
//! not yet released). A TLS handshake to the database then writes two small records
//! in a row twice, and each time the second waits for the server's delayed ACK:
//! about 90 ms per connection, most of a no-op `migrate` against a local PostgreSQL
//! (90 ms with it, 15 ms without). libpq and the MySQL client set the option for the
//! same reason. sqlx offers no hook on its sockets, so the binary provides `socket()`
//! itself: the executable's definition takes precedence over the C library's, and
//! creates the socket with the raw system call. Remove this once sqlx sets the option.
//!
//! Part of the binary, not the library: a symbol in a library crate is only linked
//! when something refers to it.

#[cfg(all(
    target_os = "linux",
    any(target_arch = "x86_64", target_arch = "aarch64")
))]
#[unsafe(no_mangle)]
pub extern "C" fn socket(
    domain: libc::c_int,
    ty: libc::c_int,
    protocol: libc::c_int,
) -> libc::c_int {
    // SAFETY: the system call takes three integers and returns a descriptor or -1 with
    // errno set, exactly what callers of socket() expect.
    let fd = unsafe { libc::syscall(libc::SYS_socket, domain, ty, protocol) } as libc::c_int;
    let tcp = (domain == libc::AF_INET || domain == libc::AF_INET6)
        && ty & !(libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC) == libc::SOCK_STREAM;
    if fd >= 0 && tcp {
        let on: libc::c_int = 1;
        // SAFETY: `fd` is the socket just created and `on` outlives the call. A failure
        // only leaves Nagle on, as before.
        unsafe {
            libc::setsockopt(
                fd,
                libc::IPPROTO_TCP,
                libc::TCP_NODELAY,
                (&on as *const libc::c_int).cast(),
                std::mem::size_of::<libc::c_int>() as libc::socklen_t,
            );
        }
    }
    fd
}
