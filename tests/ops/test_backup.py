"""Backups: the nightly dump restores into a scratch database that passes the drill."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import psycopg
import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def _url(name: str) -> str:
    params = connection.settings_dict
    return (f"postgres://{params['USER'] or 'postgres'}@{params['HOST'] or '127.0.0.1'}:"
            f"{params['PORT'] or 5432}/{name}")


@pytest.mark.django_db(transaction=True)
def test_backup_then_restore_drill(shop, tmp_path):
    env = {**os.environ, "DATABASE_URL": _url(connection.settings_dict["NAME"]),
           "BACKUP_DIR": str(tmp_path)}
    backup = subprocess.run(["bash", "deploy/backup/backup.sh"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert backup.returncode == 0, backup.stderr
    dump = Path(backup.stdout.strip().splitlines()[-1])
    assert dump.exists() and dump.stat().st_size > 0
    assert not list(tmp_path.glob("*.partial"))

    scratch = _url(f"{connection.settings_dict['NAME']}_drill")
    drill = subprocess.run(["bash", "deploy/backup/restore_drill.sh", str(dump), scratch],
                           cwd=ROOT, env={**os.environ}, capture_output=True, text=True,
                           timeout=300)
    assert drill.returncode == 0, drill.stdout + drill.stderr
    assert "restore drill ok" in drill.stdout
    with psycopg.connect(scratch) as restored:
        names = [row[0] for row in restored.execute("SELECT name FROM tenants_tenant")]
    assert names == [shop.tenant.name]
    with psycopg.connect(_url("postgres"), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{scratch.rsplit("/", 1)[1]}"')


def test_drill_fails_loudly_on_a_broken_dump(tmp_path):
    broken = tmp_path / "broken.dump"
    broken.write_bytes(b"not a dump")
    drill = subprocess.run(["bash", "deploy/backup/restore_drill.sh", str(broken),
                            _url("vitrine_drill_broken")], cwd=ROOT, capture_output=True,
                           text=True, timeout=120)
    assert drill.returncode != 0
    assert "restore drill ok" not in drill.stdout
    with psycopg.connect(_url("postgres"), autocommit=True) as admin:
        admin.execute('DROP DATABASE IF EXISTS "vitrine_drill_broken"')
