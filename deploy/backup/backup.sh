#!/usr/bin/env bash
# Nightly logical backup of the Vitrine database: custom-format pg_dump, kept BACKUP_KEEP_DAYS.
# Schedule (cron on the database host or a sidecar):  15 3 * * *  deploy/backup/backup.sh
set -euo pipefail
: "${DATABASE_URL:?set DATABASE_URL (postgres://user:pass@host:5432/vitrine)}"
BACKUP_DIR="${BACKUP_DIR:-/var/backups/vitrine}"
BACKUP_KEEP_DAYS="${BACKUP_KEEP_DAYS:-14}"
mkdir -p "$BACKUP_DIR"
target="$BACKUP_DIR/vitrine-$(date -u +%Y%m%dT%H%M%SZ).dump"
pg_dump --format=custom --no-owner --no-privileges --file="$target.partial" "$DATABASE_URL"
mv "$target.partial" "$target"   # only complete dumps carry the final name
find "$BACKUP_DIR" -name 'vitrine-*.dump' -mtime +"$BACKUP_KEEP_DAYS" -delete
echo "$target"
