"""The floor for SQLite: runs a SQL script as written (its own BEGIN ... COMMIT: one
transaction, or one per migration) with Python's sqlite3 module.

    sqlite_floor.py DATABASE SCRIPT
"""

import sqlite3
import sys

db = sqlite3.connect(sys.argv[1])
with open(sys.argv[2]) as script:
    db.executescript(script.read())
db.close()
