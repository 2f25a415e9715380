#!/usr/bin/env bash
# Applies pending migrations. Never prompts; made for container start-up.
#
# Waits up to MANAGE_DB_WAIT seconds (default 60) for the database to accept
# connections, then applies every pending migration and exits:
#   0  the database is up to date
#   2  bad arguments
#   3  the database never came up, or a migration failed (the error says which)
#
# The binary is MANAGE_BIN when set; else, with cargo at hand, ./manage, which
# rebuilds it when a source changed (the release build when there is one, so a
# checkout that ships target/release/manage keeps using it); else an existing
# target/release/manage, refused if a source is newer than it. An image with the
# binary alone runs `manage migrate --wait 60` directly (scripts/Dockerfile.example).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

release="${CARGO_TARGET_DIR:-$PWD/target}/release/manage"
if [[ -z "${MANAGE_BIN:-}" && -x "$release" ]]; then
    if command -v cargo >/dev/null 2>&1; then
        export MANAGE_PROFILE=release
    else
        newer="$(find Cargo.toml Cargo.lock build.rs src engine build-support models migrations/src migrations/schema \
            -newer "$release" -print -quit 2>/dev/null || true)"
        if [[ -n "$newer" ]]; then
            echo "migrate.sh: $release is older than $newer and there is no cargo to rebuild it;" \
                "rebuild it (cargo build --release), or set MANAGE_BIN" >&2
            exit 3
        fi
        export MANAGE_BIN="$release"
    fi
fi
exec ./manage migrate --wait "${MANAGE_DB_WAIT:-60}" "$@"
