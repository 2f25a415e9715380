"""Times the edit -> makemigrations -> migrate loop, incremental builds included.

PROJECT is a manage project (gen.make_project) already migrated to head on the
database its DATABASE_URL names, BINARY the binary BUILD (a cargo command) makes.
Each round adds one nullable column to PROJECT/models/src/ENTITY.rs, then runs what
the `./manage` wrapper would: BUILD (the models changed), `makemigrations`, BUILD (a
migration was added), `migrate`. Round 0 is a warm-up; the median of each step and
of the whole loop over the other rounds is printed, as JSON on the last line too.
"""

import json
import statistics
import subprocess
import sys
import time


def timed(argv, cwd, env=None):
    start = time.perf_counter()
    done = subprocess.run(argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE)
    if done.returncode != 0:
        sys.exit(f"failed ({done.returncode}): {' '.join(map(str, argv))}\n"
                 f"{done.stderr.decode()[-3000:]}")
    return time.perf_counter() - start


def run(project, binary, rounds, entity, build, build_env):
    """BUILD runs with BUILD_ENV as its whole environment."""
    model = project / "models/src" / f"{entity}.rs"
    steps = {"build for makemigrations": [], "makemigrations": [],
             "build for migrate": [], "migrate": [], "whole loop": []}
    stamp = int(time.time())
    for r in range(rounds + 1):
        text = model.read_text()
        column = f"    pub extra_{stamp}_{r}: Option<i32>,\n"
        model.write_text(text.replace("    pub created_at", column + "    pub created_at", 1))
        took = [
            timed(build, project, build_env),
            timed([binary, "makemigrations", "-m", f"extra {r}"], project),
            timed(build, project, build_env),
            timed([binary, "migrate"], project),
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
