"""One contract, every backend: process always; docker and swarm with an engine (CI: always).

Each test drives the real stand-in bot (`python -m bot`) against the Discord sandbox.
"""

from __future__ import annotations

import pytest

from runtime.backends.base import EXIT_MISCONFIGURED, LABEL_SPEC
from tests.runtime.conftest import NAMESPACE, make_spec, wait_for

pytestmark = pytest.mark.django_db


def _connected(sandbox, app_id: str) -> bool:
    sessions = sandbox.overview()["sessions"]
    return any(s["app_id"] == str(app_id) and s["connected"] for s in sessions)


def test_start_runs_the_bot_which_connects_to_discord(backend, sandbox, bot_app) -> None:
    spec = make_spec(sandbox, tenant_id=1, token=bot_app["token"])
    started = backend.start(spec)
    assert started.running and started.spec_hash == spec.spec_hash
    wait_for(lambda: _connected(sandbox, bot_app["id"]), timeout=60, what="gateway session")
    listed = backend.list()
    assert set(listed) == {1}
    assert listed[1].running and listed[1].spec_hash == spec.spec_hash
    assert wait_for(lambda: "READY" in backend.logs(listed[1], tail=200), timeout=30,
                    what="READY in the logs")


def test_list_is_one_engine_call(backend, sandbox, bot_app) -> None:
    for tenant_id in (1, 2):
        backend.start(make_spec(sandbox, tenant_id=tenant_id, token=bot_app["token"]))
    before = backend.counter.calls
    listed = backend.list()
    assert set(listed) == {1, 2}
    assert backend.counter.calls - before == 1


def test_bad_token_exits_78(backend, sandbox) -> None:
    backend.start(make_spec(sandbox, tenant_id=3, token="not-a-real-token-" + "x" * 20))
    gone = wait_for(lambda: (i := backend.list().get(3)) and not i.running and i,
                    timeout=60, what="the bot to exit")
    assert backend.inspect(gone).exit_code == EXIT_MISCONFIGURED, backend.logs(gone)


def test_missing_intent_exits_78(backend, sandbox) -> None:
    app = sandbox.create_application("No intents", intents=0)
    backend.start(make_spec(sandbox, tenant_id=4, token=app["token"]))
    gone = wait_for(lambda: (i := backend.list().get(4)) and not i.running and i,
                    timeout=60, what="the bot to exit")
    assert backend.inspect(gone).exit_code == EXIT_MISCONFIGURED, backend.logs(gone)


def test_start_replaces_and_remove_is_idempotent(backend, sandbox, bot_app) -> None:
    first = backend.start(make_spec(sandbox, tenant_id=5, token=bot_app["token"]))
    second = backend.start(make_spec(sandbox, tenant_id=5, token=bot_app["token"],
                                     memory_mb=160))
    assert first.ref != second.ref
    listed = backend.list()
    assert list(listed) == [5] and listed[5].ref == second.ref
    assert listed[5].spec_hash != first.spec_hash
    backend.remove(listed[5])
    backend.remove(listed[5])
    assert backend.list() == {}


def test_stats_report_memory(backend, sandbox, bot_app) -> None:
    backend.start(make_spec(sandbox, tenant_id=6, token=bot_app["token"]))
    wait_for(lambda: _connected(sandbox, bot_app["id"]), timeout=60, what="gateway session")
    stats = wait_for(lambda: backend.stats(backend.list()[6]), timeout=20, what="stats")
    assert stats.memory_bytes and stats.memory_bytes > 1_000_000


def test_other_namespaces_are_invisible_and_untouched(backend, sandbox, bot_app) -> None:
    from runtime.backends import make_backend

    other = make_backend(backend.name, ns=NAMESPACE + "x")
    try:
        other.start(make_spec(sandbox, tenant_id=7, token=bot_app["token"]).__class__(
            **{**make_spec(sandbox, tenant_id=7, token=bot_app["token"]).__dict__,
               "namespace": NAMESPACE + "x"}))
        backend.start(make_spec(sandbox, tenant_id=8, token=bot_app["token"]))
        assert set(backend.list()) == {8}
        assert backend.remove_all() == 1
        assert set(other.list()) == {7}
    finally:
        other.remove_all()


def test_spec_hash_is_a_label_without_secrets(sandbox) -> None:
    spec = make_spec(sandbox, tenant_id=9, token="secret-token-value-123456")
    assert spec.labels[LABEL_SPEC] == spec.spec_hash
    assert "secret-token" not in repr(spec.labels)


def test_version_names_the_engine(backend, backend_kind) -> None:
    # What the diagnostics page shows for the engine, asked by the runtime worker.
    expected = {"process": "local processes", "docker": "Docker ", "swarm": "Docker "}
    version = backend.version()
    assert version.startswith(expected[backend_kind])
    assert (", swarm" in version) == (backend_kind == "swarm")
