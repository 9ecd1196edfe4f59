"""Both catalogs are complete and match the source strings; the compiled .mo files are current."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

from tests.i18n_scan import english, plural_errors, visible_text
from tests.pages import admin_pages, portal_pages
from tests.sales.factories import mp  # noqa: F401
from tests.world import build

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "var" / "test-artifacts"
LOCALES = ["pt_BR", "en"]
SOURCES = ["audit", "tenants", "catalog", "sales", "payments", "wallet", "runtime", "portal",
           "admin_panel", "billing", "growth", "disputes", "memberships", "trust", "credit",
           "affiliates", "smm", "developer", "money", "config", "templates", "manage.py"]


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


# --- Rendered pages read as a native would ------------------------------------------------------


def _findings(html: str, *, admin: bool = False) -> dict[str, list[str]]:
    segments = visible_text(html)
    found = {"english": english(segments, codes_ok=admin), "plural": plural_errors(segments)}
    return {kind: hits for kind, hits in found.items() if hits}


def _sweep(client, pages, name: str) -> dict[str, dict]:
    """Every page's findings; also written to var/test-artifacts/i18n-<name>.json to work from."""
    report = _collect(client, pages, admin=name == "admin")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / f"i18n-{name}.json").write_text(json.dumps(report, indent=1, ensure_ascii=False))
    return report


def _collect(client, pages, *, admin: bool) -> dict[str, dict]:
    report = {}
    for name, path in pages:
        response = client.get(path)
        assert response.status_code == 200, (name, path, response.status_code)
        assert response["Content-Language"] == "pt-br", name
        if found := _findings(response.content.decode(), admin=admin):
            report[name] = found
    return report


@pytest.fixture
def world(db, mp, settings):  # noqa: F811
    settings.DISCORD_API_BASE_URL = "http://127.0.0.1:9/api"  # diagnostics: no internet, no wait
    return build(mp)


def test_portal_pages_in_pt_br_hold_no_english_and_no_wrong_plural(world, client_for):
    assert _sweep(client_for(world.owner), portal_pages(world), "portal") == {}


def test_english_pages_have_no_wrong_plural(world, client_for, settings):
    found = {}
    for user, pages in ((world.owner, portal_pages(world)), (world.operator, admin_pages(world))):
        client = client_for(user)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        for name, path in pages:
            response = client.get(path)
            assert response.status_code == 200 and response["Content-Language"] == "en", name
            if hits := plural_errors(visible_text(response.content.decode())):
                found[name] = hits
    assert found == {}


def test_admin_pages_in_pt_br_hold_no_english_and_no_wrong_plural(world, client_for):
    assert _sweep(client_for(world.operator), admin_pages(world), "admin") == {}


@pytest.mark.parametrize("plant, kind", [
    ("<p>Payment approved</p>", "english"),
    ('<span title="Delivery started">✓</span>', "english"),
    ("<p>Último sinal há 0 minuto</p>", "plural"),
    ("<td>1 dia(s)</td>", "plural"),
    ("<td>3 reinício</td>", "plural"),
])
def test_the_sweep_catches_a_planted_string(world, client_for, plant, kind):
    client = client_for(world.owner)
    html = client.get(reverse("portal:dashboard", args=[world.tenant.slug])).content.decode()
    assert _findings(html) == {}
    planted = html.replace("</main>", f"{plant}</main>", 1)
    assert planted != html
    found = _findings(planted)
    assert list(found) == [kind] and len(found[kind]) == 1, found
