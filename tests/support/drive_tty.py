"""Drives a command in a real pseudo-terminal, for tests of interactive prompts.

usage: drive_tty.py DIR EXPECT SEND -- COMMAND ARGS...
Runs COMMAND in DIR, waits until its output contains EXPECT, writes SEND (with
"\\r" and "\\x03" escapes understood), then prints everything the command wrote and
exits with the command's exit code (128+N when killed by signal N).
"""
import os
import pty
import select
import sys
import time

directory, expect, send = sys.argv[1], sys.argv[2].encode(), sys.argv[3]
command = sys.argv[sys.argv.index("--") + 1:]
send = send.encode().decode("unicode_escape").encode()

pid, fd = pty.fork()
if pid == 0:
    os.chdir(directory)
    os.environ.pop("DATABASE_URL", None)
    os.environ["NO_COLOR"] = "1"
    os.execv(command[0], command)

seen = b""
sent = False
deadline = time.time() + 30
while time.time() < deadline:
    ready, _, _ = select.select([fd], [], [], 0.2)
    if ready:
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
    if not sent and expect in seen:
        time.sleep(0.2)
        os.write(fd, send)
        sent = True

_, status = os.waitpid(pid, 0)
sys.stdout.write(seen.decode("utf-8", "replace"))
if not sent:
    sys.stdout.write("\n[drive_tty.py: never saw the expected prompt]\n")
    sys.exit(99)
if os.WIFSIGNALED(status):
    sys.exit(128 + os.WTERMSIG(status))
sys.exit(os.WEXITSTATUS(status))
