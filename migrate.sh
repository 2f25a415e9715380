#!/usr/bin/env bash
# Applies pending migrations. Never prompts; made for container start-up.
#
# Waits up to MANAGE_DB_WAIT seconds (default 60) for the database to accept
# connections, then applies every pending migration and exits:
#   0  the database is up to date
#   1  the database never came up, or a migration failed (the error says which)
#   2  bad arguments
#
# The binary is MANAGE_BIN when set, else target/release/manage when it exists (so a
# runtime image needs no cargo), else ./manage, which builds when needed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

if [[ -z "${MANAGE_BIN:-}" && -x target/release/manage ]]; then
    export MANAGE_BIN="$PWD/target/release/manage"
fi
exec ./manage migrate --wait "${MANAGE_DB_WAIT:-60}" "$@"
