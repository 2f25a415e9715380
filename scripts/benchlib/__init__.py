"""The modules of scripts/bench, its only entry point.

    gen           writes the generated projects: manage's, stock sea-orm-migration's,
                  Alembic's, and the floor's plain SQL
    harness       times tools side by side, alternating them, and prints the tables
    edit_loop     times the edit -> makemigrations -> migrate loop
    postgres      psql, databases dropped when the bench ends, PgBouncer

Run as programs of their own by the peers' venv (target/bench-peers/venv, from
requirements.txt):

    sqlite_floor  the floor for SQLite (timed: its own process, as the tools are)
    plot          docs/bench-apply.png from `scripts/bench scaling` (matplotlib)
"""
