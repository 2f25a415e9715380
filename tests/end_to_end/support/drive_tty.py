"""Drives a command in a real pseudo-terminal, for tests of interactive prompts.

usage: drive_tty.py DIR EXPECT SEND [EXPECT SEND ...] -- COMMAND ARGS...
Runs COMMAND in DIR; for each pair in turn, waits until its output (after the
previous answer) contains EXPECT and writes SEND (with "\\r" and "\\x03" escapes
understood). Then prints everything the command wrote and exits with the command's
exit code (128+N when killed by signal N), or 99 if a prompt never appeared.
"""
import os
import pty
import select
import sys
import time

separator = sys.argv.index("--")
directory = sys.argv[1]
pairs = sys.argv[2:separator]
dialogue = [
    (pairs[i].encode(), pairs[i + 1].encode().decode("unicode_escape").encode())
    for i in range(0, len(pairs), 2)
]
command = sys.argv[separator + 1:]

pid, fd = pty.fork()
if pid == 0:
    os.chdir(directory)
    os.environ.pop("DATABASE_URL", None)
    os.environ["NO_COLOR"] = "1"
    os.execv(command[0], command)

seen = b""
answered = 0  # pairs done
since = 0  # where in `seen` the next prompt is looked for
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
    if answered < len(dialogue) and dialogue[answered][0] in seen[since:]:
        expect, send = dialogue[answered]
        since = seen.index(expect, since) + len(expect)
        time.sleep(0.2)
        os.write(fd, send)
        answered += 1

_, status = os.waitpid(pid, 0)
sys.stdout.write(seen.decode("utf-8", "replace"))
if answered < len(dialogue):
    sys.stdout.write(f"\n[drive_tty.py: never saw {dialogue[answered][0]!r}]\n")
    sys.exit(99)
if os.WIFSIGNALED(status):
    sys.exit(128 + os.WTERMSIG(status))
sys.exit(os.WEXITSTATUS(status))
