"""Times the edit -> makemigrations -> migrate loop, incremental builds included.

    edit_loop.py DIR BIN ROUNDS ENTITY BUILD...

DIR is a manage project (scripts/bench make_project) already migrated to head on the
database its DATABASE_URL names, BIN the binary BUILD (a cargo command) makes. Each
round adds one nullable column to DIR/models/src/ENTITY.rs, then runs what the
`./manage` wrapper would: BUILD (the models changed), `makemigrations`, BUILD (a
migration was added), `migrate`. Round 0 is a warm-up; the median of each step and of
the whole loop over the other rounds is printed, as JSON on the last line too.
"""

import json
import pathlib
import statistics
import subprocess
import sys
import time


def timed(argv, cwd):
    start = time.perf_counter()
    done = subprocess.run(argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if done.returncode != 0:
        sys.exit(f"failed ({done.returncode}): {' '.join(argv)}\n{done.stderr.decode()[-3000:]}")
    return time.perf_counter() - start


def main(argv):
    root, binary, rounds, entity, build = (
        pathlib.Path(argv[1]), argv[2], int(argv[3]), argv[4], argv[5:])
    model = root / "models/src" / f"{entity}.rs"
    steps = {"build for makemigrations": [], "makemigrations": [],
             "build for migrate": [], "migrate": [], "whole loop": []}
    stamp = int(time.time())
    for r in range(rounds + 1):
        text = model.read_text()
        column = f"    pub extra_{stamp}_{r}: Option<i32>,\n"
        model.write_text(text.replace("    pub created_at", column + "    pub created_at", 1))
        took = [
            timed(build, root),
            timed([binary, "makemigrations", "-m", f"extra {r}"], root),
            timed(build, root),
            timed([binary, "migrate"], root),
        ]
        if r == 0:
            continue
        for name, seconds in zip(steps, took + [sum(took)]):
            steps[name].append(seconds)
    result = {name: statistics.median(t) for name, t in steps.items()}
    for name, t in steps.items():
        print(f"{name:26} median {statistics.median(t):6.2f} s "
              f"(min {min(t):.2f}, max {max(t):.2f}, {len(t)} rounds)")
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv)
