"""Both catalogs are complete and match the source strings; the compiled .mo files are current."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LOCALES = ["pt_BR", "en"]
SOURCES = ["audit", "tenants", "catalog", "sales", "payments", "wallet", "runtime", "portal",
           "admin_panel", "config", "templates", "manage.py"]


@pytest.fixture(scope="module")
def gettext_tools() -> None:
    if not shutil.which("msgattrib"):
        pytest.fail("gettext is missing: apt-get install -y gettext (.ci/run installs it)")


def _msgids(po: Path) -> set[str]:
    out = subprocess.run(["msgattrib", "--no-wrap", "--no-location", str(po)],
                         capture_output=True, text=True, check=True).stdout
    return {line for line in out.splitlines() if line.startswith(("msgid ", "msgid_plural "))}


@pytest.mark.parametrize("locale", LOCALES)
def test_catalog_has_no_untranslated_or_fuzzy_entries(gettext_tools, locale):
    po = ROOT / "locale" / locale / "LC_MESSAGES" / "django.po"
    for flag in ("--untranslated", "--only-fuzzy"):
        out = subprocess.run(["msgattrib", flag, "--no-wrap", str(po)], capture_output=True,
                             text=True, check=True).stdout
        assert "msgid" not in out, f"{locale} {flag}:\n{out}"


@pytest.mark.parametrize("locale", LOCALES)
def test_compiled_catalog_is_current(gettext_tools, tmp_path, locale):
    po = ROOT / "locale" / locale / "LC_MESSAGES" / "django.po"
    fresh = tmp_path / "django.mo"
    subprocess.run(["msgfmt", "--check", "-o", str(fresh), str(po)], check=True)
    committed = po.with_suffix(".mo").read_bytes()
    assert fresh.read_bytes() == committed, "run `make messages` and commit the .mo files"


def test_catalogs_hold_every_source_string(gettext_tools, tmp_path):
    for name in SOURCES:
        source = ROOT / name
        target = tmp_path / name
        if source.is_dir():
            shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(source, target)
    shutil.copytree(ROOT / "locale", tmp_path / "locale")
    subprocess.run([sys.executable, "manage.py", "makemessages", "-l", "pt_BR",
                    "--no-obsolete", "--no-location"], cwd=tmp_path, check=True,
                   capture_output=True, env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT),
                                             "DJANGO_SETTINGS_MODULE": "config.settings",
                                             "VAR_DIR": str(tmp_path / "var")})
    extracted = _msgids(tmp_path / "locale" / "pt_BR" / "LC_MESSAGES" / "django.po")
    committed = _msgids(ROOT / "locale" / "pt_BR" / "LC_MESSAGES" / "django.po")
    assert extracted - committed == set(), "new strings: run `make messages` and translate them"
