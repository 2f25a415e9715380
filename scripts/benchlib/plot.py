"""Plots cost against the number of migrations from `scripts/bench apply N` results.

    plot.py OUT.png RESULTS.json...

Each RESULTS.json is one `harness.py` output (one N). One panel per scenario kind
(SQLite apply, PostgreSQL apply, migrate at head on each), one line per tool, both
axes logarithmic.
"""

import json
import re
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

# One look per tool in every panel.
STYLE = {"manage": ("o-", "tab:blue"), "manage --atomic": ("o--", "tab:cyan"),
         "stock": ("s-", "tab:green"), "alembic": ("^-", "tab:red"), "floor": (":", "black"),
         "floor per migration": ("--", "gray")}


def main(argv):
    out, files = argv[1], argv[2:]
    series = {}  # kind -> tool -> [(n, seconds)]
    for path in files:
        with open(path) as f:
            for r in json.load(f):
                m = re.search(r"(\d+) (migrations|applied)", r["group"])
                if not m:
                    continue
                kind = re.sub(r"\s*\(?\d+ (migrations|applied)\)?", "", r["group"]).strip()
                series.setdefault(kind, {}).setdefault(r["tool"], []).append(
                    (int(m.group(1)), r["median_s"]))
    kinds = sorted(series)
    fig, axes = plt.subplots(1, len(kinds), figsize=(4.2 * len(kinds), 4), squeeze=False)
    for ax, kind in zip(axes[0], kinds):
        for tool, points in series[kind].items():
            points.sort()
            marker, color = STYLE.get(tool, ("x-", "tab:gray"))
            ax.plot([n for n, _ in points], [s * 1000 for _, s in points],
                    marker, color=color, label=tool)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_title(kind, fontsize=10)
        ax.set_xlabel("migrations (one table each)")
        ax.set_ylabel("wall time, ms (median)")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out, dpi=110)


if __name__ == "__main__":
    main(sys.argv)
