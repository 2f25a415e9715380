#!/usr/bin/env bash
# Writes a migration for the changes in models/, asking for its message.
# Arguments are passed to `manage makemigrations` (for example `-m "message"`).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
exec ./manage makemigrations "$@"
