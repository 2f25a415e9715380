"""Times tools side by side, alternating them, and prints a markdown table.

Each Case is one tool in one scenario:
    group    the row of the table (e.g. "SQLite: apply 200 migrations")
    tool     its column: manage, manage --atomic, stock (sea-orm-migration's own
             command line), alembic or floor
    argv     the timed command, run without a shell; "{run}" in it, or in a value
             of env, becomes an id unique to the run, to name a fresh database
    env      variables added to the command's environment (optional)
    cwd      directory of the timed command (optional; manage finds its project
             from the working directory first)
    prepare  called with the run id before every run, untimed (optional)
    cleanup  called with the run id after every run, untimed, even after a
             failure (optional)
    verify   called with the run id after the warm-up run: None when the work was
             done, else what is wrong (optional)
    rss      also measure peak RSS with /usr/bin/time -f %M

The table gives, per scenario, each tool's median (min – max), manage's median over
each other tool's, and the range of the 1-minute load average over the rounds.

Why not hyperfine: it runs all of one command's runs before the next command's, so
on a shared machine a burst of load from elsewhere lands on one tool. Here round r
runs every tool of a group once, in an order rotated by r, and each tool gets one
untimed warm-up run (page cache, first-connection costs).
"""

import dataclasses
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable

TOOLS = ["manage", "manage --atomic", "stock", "alembic", "floor", "floor per migration"]
# The ratio columns, each shown when its two tools are in the table. manage commits
# each migration by default, so its own floor is the one with a commit each.
RATIOS = [("manage", "stock"), ("manage", "alembic"), ("manage", "floor per migration"),
          ("manage", "floor"), ("manage --atomic", "floor")]


@dataclasses.dataclass
class Case:
    group: str
    tool: str
    argv: list[str]
    env: dict[str, str] = dataclasses.field(default_factory=dict)
    cwd: os.PathLike | None = None
    prepare: Callable[[str], None] | None = None
    cleanup: Callable[[str], None] | None = None
    verify: Callable[[str], str | None] | None = None
    rss: bool = False


counter = 0


def next_run_id():
    global counter
    counter += 1
    return f"{os.getpid()}_{counter}"


def for_run(text, run_id):
    """TEXT with "{run}" replaced by the run's id."""
    return text.replace("{run}", run_id)


def run_once(case, wrap=(), verify=False):
    """Runs a case once (prepare, command, cleanup); returns the command's wall time."""
    run_id = next_run_id()
    argv = [for_run(word, run_id) for word in case.argv]
    env = dict(os.environ, **{k: for_run(v, run_id) for k, v in case.env.items()})
    try:
        if case.prepare:
            case.prepare(run_id)
        with tempfile.TemporaryFile() as err:
            start = time.perf_counter()
            done = subprocess.run([*wrap, *argv], env=env, cwd=case.cwd,
                                  stdout=subprocess.DEVNULL, stderr=err)
            took = time.perf_counter() - start
            if done.returncode != 0:
                err.seek(0)
                tail = err.read().decode(errors="replace")[-3000:]
                sys.exit(f"{case.group} / {case.tool}: exit {done.returncode}\n{tail}")
        if verify and case.verify:
            problem = case.verify(run_id)
            if problem:
                sys.exit(f"{case.group} / {case.tool}: the check after the run failed: "
                         f"{problem}")
        return took
    finally:
        if case.cleanup:
            case.cleanup(run_id)


def peak_rss_kib(case):
    with tempfile.NamedTemporaryFile("r") as out:
        run_once(case, wrap=("/usr/bin/time", "-f", "%M", "-o", out.name))
        return int(out.read().split()[-1])


def measure(cases, runs, rss_runs):
    groups = {}
    for case in cases:
        groups.setdefault(case.group, []).append(case)
    results = []
    for group, members in groups.items():
        # The 1-minute load average, as a hint of how busy the shared machine was.
        load = [os.getloadavg()[0]]
        print(f"-- {group}: {', '.join(c.tool for c in members)} (load {load[0]:.1f})",
              file=sys.stderr)
        for case in members:
            run_once(case, verify=True)  # warm-up
        times = {c.tool: [] for c in members}
        for r in range(runs):
            shift = r % len(members)
            for case in members[shift:] + members[:shift]:
                times[case.tool].append(run_once(case))
            load.append(os.getloadavg()[0])
        for case in members:
            t = times[case.tool]
            rss = [peak_rss_kib(case) for _ in range(rss_runs)] if case.rss else []
            results.append({
                "group": group, "tool": case.tool, "runs": len(t),
                "median_s": statistics.median(t), "min_s": min(t), "max_s": max(t),
                "peak_rss_kib": statistics.median(rss) if rss else None,
                "load_min": min(load), "load_max": max(load),
            })
            print(f"   {case.tool:8} median {statistics.median(t) * 1000:9.1f} ms "
                  f"(min {min(t) * 1000:.1f}, max {max(t) * 1000:.1f})", file=sys.stderr)
    return results


def ms(seconds):
    return f"{seconds * 1000:,.0f} ms" if seconds >= 0.1 else f"{seconds * 1000:.1f} ms"


def table(results):
    by = {(r["group"], r["tool"]): r for r in results}
    groups = list(dict.fromkeys(r["group"] for r in results))
    tools = [t for t in TOOLS if any(r["tool"] == t for r in results)]
    ratios = [(a, b) for a, b in RATIOS if a in tools and b in tools]
    lines = ["| scenario | " + " | ".join(f"{t} median (min – max)" for t in tools)
             + "".join(f" | {a} ÷ {b}" for a, b in ratios) + " | load |",
             "|---" * (len(tools) + len(ratios) + 2) + "|"]
    for g in groups:
        cells = []
        for t in tools:
            r = by.get((g, t))
            cells.append(f"{ms(r['median_s'])} ({ms(r['min_s'])} – {ms(r['max_s'])})"
                         if r else "—")
        quotients = []
        for a, b in ratios:
            x, y = by.get((g, a)), by.get((g, b))
            quotients.append(f"{x['median_s'] / y['median_s']:.2f}×" if x and y else "—")
        first = next(r for r in results if r["group"] == g)
        load = f"{first['load_min']:.1f} – {first['load_max']:.1f}"
        lines.append(f"| {g} | " + " | ".join(cells + quotients + [load]) + " |")
    rss = [r for r in results if r["peak_rss_kib"] is not None]
    if rss:
        lines += ["", "| scenario | " + " | ".join(f"{t} peak RSS" for t in tools) + " |",
                  "|---" * (len(tools) + 1) + "|"]
        for g in dict.fromkeys(r["group"] for r in rss):
            cells = [f"{by[(g, t)]['peak_rss_kib'] / 1024:.0f} MiB"
                     if by.get((g, t)) and by[(g, t)]["peak_rss_kib"] else "—" for t in tools]
            lines.append(f"| {g} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def run(cases, runs, rss_runs, out):
    """Times CASES; the table on stdout and in OUT (.md), the figures beside it (.json)."""
    results = measure(cases, runs, rss_runs)
    with open(out.with_suffix(".json"), "w") as f:
        json.dump(results, f, indent=1)
    text = table(results)
    print(text)
    out.write_text(text + "\n")
