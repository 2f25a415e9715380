"""How long typical schema changes stall an application writing to a big table,
the default way and the safe way, on PostgreSQL.

    stalls.py SERVER_URL ROWS ROUNDS OUT.json OUT.png

A table of ROWS rows takes a steady write load (WRITERS threads, each updating a
random row in its own short transaction, back to back) while one change runs. For
each change and way: the change's wall time, and the longest time any single write
took while it ran (the stall the application sees), beside the longest write in the
seconds before it (the baseline). Each change is undone, unmeasured, before the next
run; ways alternate within a round, and the reported figure is the median over
ROUNDS.

The default way is the SQL `manage makemigrations` writes, in one transaction as
`manage migrate` runs it; the safe way is what `makemigrations --safe` writes (index,
foreign key, NOT NULL) or what `manage lint` advises (volatile default, type change),
each statement in its own transaction.
"""

import json
import statistics
import sys
import threading
import time

import psycopg2

WRITERS = 4
BASELINE = 2.0  # seconds of load before each change
BATCH = 10_000  # rows per backfill transaction: row locks held briefly

# (name, default-way statements, safe-way statements, undo statements)
CHANGES = [
    (
        "add column, constant default",
        ["ALTER TABLE items ADD COLUMN flag boolean NOT NULL DEFAULT false"],
        ["ALTER TABLE items ADD COLUMN flag boolean NOT NULL DEFAULT false"],
        ["ALTER TABLE items DROP COLUMN flag"],
    ),
    (
        "add column, volatile default",
        ["ALTER TABLE items ADD COLUMN token uuid DEFAULT gen_random_uuid()"],
        ["ALTER TABLE items ADD COLUMN token uuid",
         "ALTER TABLE items ALTER COLUMN token SET DEFAULT gen_random_uuid()",
         ("backfill", "UPDATE items SET token = gen_random_uuid() "
                      "WHERE id > %s AND id <= %s AND token IS NULL")],
        ["ALTER TABLE items DROP COLUMN token"],
    ),
    (
        "add index",
        ["CREATE INDEX idx_items_qty ON items (qty)"],
        ["CREATE INDEX CONCURRENTLY idx_items_qty ON items (qty)"],
        ["DROP INDEX idx_items_qty"],
    ),
    (
        "add foreign key",
        ["ALTER TABLE items ADD CONSTRAINT fk_items_owner FOREIGN KEY (owner_id) "
         "REFERENCES owners (id)"],
        ["ALTER TABLE items ADD CONSTRAINT fk_items_owner FOREIGN KEY (owner_id) "
         "REFERENCES owners (id) NOT VALID",
         "ALTER TABLE items VALIDATE CONSTRAINT fk_items_owner"],
        ["ALTER TABLE items DROP CONSTRAINT fk_items_owner"],
    ),
    (
        "set NOT NULL",
        ["ALTER TABLE items ALTER COLUMN note SET NOT NULL"],
        ["ALTER TABLE items ADD CONSTRAINT items_note_not_null CHECK (note IS NOT NULL) "
         "NOT VALID",
         "ALTER TABLE items VALIDATE CONSTRAINT items_note_not_null",
         "ALTER TABLE items ALTER COLUMN note SET NOT NULL",
         "ALTER TABLE items DROP CONSTRAINT items_note_not_null"],
        ["ALTER TABLE items ALTER COLUMN note DROP NOT NULL"],
    ),
    (
        "change column type",
        ["ALTER TABLE items ALTER COLUMN qty TYPE bigint"],
        ["ALTER TABLE items ADD COLUMN qty_new bigint",
         ("backfill", "UPDATE items SET qty_new = qty WHERE id > %s AND id <= %s")],
        ["DO $$ BEGIN IF EXISTS (SELECT 1 FROM information_schema.columns WHERE "
         "table_name = 'items' AND column_name = 'qty_new') THEN "
         "ALTER TABLE items DROP COLUMN qty_new; ELSE "
         "ALTER TABLE items ALTER COLUMN qty TYPE integer; END IF; END $$"],
    ),
]


class Load:
    """WRITERS threads updating random rows until stopped; every write's start and
    duration is kept."""

    def __init__(self, url, rows):
        self.url, self.rows = url, rows
        self.stop = threading.Event()
        self.writes = []  # (start, seconds)
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self.write, args=(i,)) for i in range(WRITERS)]

    def write(self, seed):
        conn = psycopg2.connect(self.url)
        conn.autocommit = True
        cur = conn.cursor()
        n = seed
        while not self.stop.is_set():
            n = (n * 1103515245 + 12345) % (2 ** 31)
            start = time.monotonic()
            cur.execute("UPDATE items SET qty = qty + 1 WHERE id = %s", (n % self.rows + 1,))
            took = time.monotonic() - start
            with self.lock:
                self.writes.append((start, took))
        conn.close()

    def __enter__(self):
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for t in self.threads:
            t.join()

    def longest(self, since, until):
        """The longest write that was running at some point in [since, until]."""
        with self.lock:
            spans = [took for start, took in self.writes
                     if start <= until and start + took >= since]
        return max(spans, default=0.0)


def run_statements(url, statements, one_transaction, rows):
    conn = psycopg2.connect(url)
    conn.autocommit = not one_transaction
    cur = conn.cursor()
    for s in statements:
        if isinstance(s, tuple):
            _, sql = s
            for low in range(0, rows, BATCH):
                cur.execute(sql, (low, low + BATCH))
        else:
            cur.execute(s)
    if one_transaction:
        conn.commit()
    conn.close()


def setup(url, rows):
    conn = psycopg2.connect(url)
    conn.autocommit = True
    cur = conn.cursor()
    cur.execute("DROP TABLE IF EXISTS items, owners")
    cur.execute("CREATE TABLE owners (id integer PRIMARY KEY)")
    cur.execute("INSERT INTO owners SELECT generate_series(1, 1000)")
    cur.execute("CREATE TABLE items (id bigint PRIMARY KEY, owner_id integer NOT NULL, "
                "qty integer NOT NULL, note text, created_at timestamptz NOT NULL DEFAULT now())")
    cur.execute("INSERT INTO items (id, owner_id, qty, note) SELECT i, 1 + i %% 1000, i %% 97, "
                "'item ' || i FROM generate_series(1, %s) AS i", (rows,))
    cur.execute("VACUUM ANALYZE items")
    conn.close()


def measure(url, rows, statements, one_transaction):
    with Load(url, rows) as load:
        time.sleep(BASELINE)
        before = time.monotonic()
        run_statements(url, statements, one_transaction, rows)
        after = time.monotonic()
        time.sleep(0.5)
    return {
        "seconds": after - before,
        "stall": load.longest(before, after),
        "baseline": load.longest(before - BASELINE, before),
    }


def main(argv):
    url, rows, rounds, out_json, out_png = argv[1], int(argv[2]), int(argv[3]), argv[4], argv[5]
    print(f"setting up items with {rows:,} rows")
    setup(url, rows)
    results = []
    for name, default, safe, undo in CHANGES:
        runs = {"default": [], "safe": []}
        for r in range(rounds):
            order = [("default", default, True), ("safe", safe, False)]
            if r % 2:
                order.reverse()
            for way, statements, one_transaction in order:
                runs[way].append(measure(url, rows, statements, one_transaction))
                run_statements(url, undo, False, rows)
        for way in ("default", "safe"):
            row = {
                "change": name,
                "way": way,
                "seconds": statistics.median(x["seconds"] for x in runs[way]),
                "stall": statistics.median(x["stall"] for x in runs[way]),
                "stall_max": max(x["stall"] for x in runs[way]),
                "baseline": statistics.median(x["baseline"] for x in runs[way]),
                "rounds": rounds,
            }
            results.append(row)
            print(f"{name:32} {way:8} took {row['seconds']:7.2f} s, "
                  f"longest write {row['stall'] * 1000:9.1f} ms "
                  f"(baseline {row['baseline'] * 1000:.1f} ms)")
    with open(out_json, "w") as f:
        json.dump({"rows": rows, "writers": WRITERS, "results": results}, f, indent=1)
    plot(results, rows, out_png)


def plot(results, rows, out_png):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    changes = list(dict.fromkeys(r["change"] for r in results))
    fig, ax = plt.subplots(figsize=(9, 4.5))
    height = 0.38
    for i, (way, colour) in enumerate([("default", "tab:red"), ("safe", "tab:green")]):
        values = [next(r["stall"] for r in results if r["change"] == c and r["way"] == way)
                  * 1000 for c in changes]
        ys = [k + (i - 0.5) * height for k in range(len(changes))]
        ax.barh(ys, values, height, label=f"{way} way", color=colour)
        for y, v in zip(ys, values):
            ax.text(v, y, f" {v:,.0f} ms", va="center", fontsize=8)
    ax.set_yticks(range(len(changes)))
    ax.set_yticklabels(changes)
    ax.invert_yaxis()
    ax.set_xscale("log")
    ax.set_xlabel("longest single write while the change ran (ms, log scale)")
    ax.set_title(f"PostgreSQL, {rows:,}-row table under {WRITERS} writers")
    ax.legend(loc="center right")
    fig.tight_layout()
    fig.savefig(out_png, dpi=110)


if __name__ == "__main__":
    main(sys.argv)
