"""PostgreSQL for the bench: psql, databases dropped when the bench ends, PgBouncer."""

import contextlib
import os
import shutil
import socket
import subprocess
import time


def psql(url, *commands, quiet=False):
    """Runs each command with psql on URL; a failure raises. QUIET hides notices
    (DROP DATABASE IF EXISTS on a missing one)."""
    argv = ["psql", "-qX", url]
    for command in commands:
        argv += ["-c", command]
    env = dict(os.environ, PGOPTIONS="--client-min-messages=warning") if quiet else None
    subprocess.run(argv, env=env, check=True, stdout=subprocess.DEVNULL)


def count_tables(url):
    """How many tables named tNNNN the database at URL has."""
    query = ("SELECT count(*) FROM pg_tables WHERE schemaname = 'public' "
             "AND tablename ~ '^t[0-9]{4}$'")
    out = subprocess.run(["psql", "-tAqX", url, "-c", query], check=True,
                         stdout=subprocess.PIPE, text=True).stdout
    return int(out)


def sqlalchemy_url(url):
    # SQLAlchemy takes only the postgresql:// spelling, and 2.1 defaults to psycopg 3:
    # name the driver the venv has.
    scheme = "postgres:"
    return "postgresql+psycopg2:" + url[len(scheme):] if url.startswith(scheme) else url


class Databases:
    """Databases the bench creates on SERVER (a URL without a database), dropped
    when the block ends, whatever happens."""

    def __init__(self, server):
        self.server = server
        self.names = []

    def create(self, name):
        psql(f"{self.server}/postgres", f"DROP DATABASE IF EXISTS {name}",
             f"CREATE DATABASE {name}", quiet=True)
        self.names.append(name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        for name in self.names:
            subprocess.run(["psql", "-qX", f"{self.server}/postgres",
                            "-c", f"DROP DATABASE IF EXISTS {name}"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port, tries=100):
    for _ in range(tries):
        try:
            with socket.create_connection(("127.0.0.1", port)):
                return
        except OSError:
            time.sleep(0.05)


@contextlib.contextmanager
def pgbouncer(server, directory):
    """PgBouncer in transaction pooling mode in front of SERVER, on a free port, for
    the block: yields its server URL, or None when pgbouncer is not installed."""
    program = shutil.which("pgbouncer") or (
        "/usr/sbin/pgbouncer" if os.path.exists("/usr/sbin/pgbouncer") else None)
    if not program:
        yield None
        return
    port = free_port()
    host, _, upstream_port = server.split("://", 1)[1].rsplit("@", 1)[-1].rpartition(":")
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "userlist.txt").write_text('"postgres" ""\n')
    (directory / "pgbouncer.ini").write_text(f"""[databases]
* = host={host} port={upstream_port}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir =
auth_type = trust
auth_file = {directory}/userlist.txt
pool_mode = transaction
default_pool_size = 5
max_client_conn = 200
logfile = {directory}/pgbouncer.log
""")
    argv = [program, str(directory / "pgbouncer.ini")]
    if os.getuid() == 0:
        # PgBouncer refuses to run as root.
        for path in [directory, *directory.rglob("*")]:
            shutil.chown(path, "postgres")
        argv = ["runuser", "-u", "postgres", "--", *argv]
    process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_port(port)
        yield f"postgres://postgres@127.0.0.1:{port}"
    finally:
        # runuser's child first, then runuser (or pgbouncer itself).
        subprocess.run(["pkill", "-P", str(process.pid)], stderr=subprocess.DEVNULL)
        process.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=5)
