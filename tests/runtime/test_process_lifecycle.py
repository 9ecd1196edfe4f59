"""Process-backend bots die with the controller worker and strays are swept at its start.

A stand-in "python" (a shell script that just waits) plays the bot, so these tests check the
process bookkeeping, not discord.py; tests/e2e/test_walkthrough.py stops a real `make run`.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from runtime.backends.base import BotSpec
from runtime.backends.process import ProcessBackend
from tests.runtime.conftest import NAMESPACE


def _gone(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return True
    return state == "Z"


@pytest.fixture
def backend(tmp_path) -> ProcessBackend:
    fake = tmp_path / "fake-python"
    fake.write_text("#!/bin/sh\nexec sleep 600\n")
    fake.chmod(0o755)
    made = ProcessBackend(namespace=NAMESPACE, state_dir=tmp_path / "state", python=str(fake))
    yield made
    made.remove_all()


def _spec(tenant_id: int) -> BotSpec:
    return BotSpec(namespace=NAMESPACE, tenant_id=tenant_id, image="", env={}, memory_mb=64,
                   cpu_millis=100, pids_limit=16)


def _pid(instance) -> int:
    return int(instance.ref.removeprefix("pid-"))


def test_stop_all_stops_every_bot_and_forgets_them(backend):
    pids = [_pid(backend.start(_spec(t))) for t in (1, 2, 3)]
    assert all(not _gone(pid) for pid in pids)
    assert backend.stop_all(grace=2) == 3
    assert all(_gone(pid) for pid in pids)
    assert backend.list() == {}
    assert not list(backend.state_dir.glob("*.json"))


def test_sweep_adopts_recorded_bots_and_stops_strays(backend, tmp_path):
    kept = backend.start(_spec(1))
    stray = backend.start(_spec(2))
    (backend.state_dir / "2.json").unlink()  # its worker died before it could record or stop it
    # The next controller: a fresh backend object on the same state directory.
    after_restart = ProcessBackend(namespace=NAMESPACE, state_dir=backend.state_dir,
                                   python=backend.python)
    assert after_restart.sweep(grace=2) == {"adopted": 1, "stopped": 1}
    assert _gone(_pid(stray))
    assert not _gone(_pid(kept))
    assert after_restart.list()[1].running


def test_sweep_leaves_another_installations_bots_alone(backend, tmp_path):
    """Same namespace, another state directory (a second make run, a parallel test run)."""
    elsewhere = ProcessBackend(namespace=NAMESPACE, state_dir=tmp_path / "elsewhere",
                               python=backend.python)
    theirs = elsewhere.start(_spec(8))
    try:
        (elsewhere.state_dir / "8.json").unlink()
        assert backend.sweep(grace=2) == {"adopted": 0, "stopped": 0}
        assert not _gone(_pid(theirs))
    finally:
        os.killpg(_pid(theirs), 9)


def test_sweep_leaves_other_namespaces_alone(backend, tmp_path):
    other = ProcessBackend(namespace=f"{NAMESPACE}-other", state_dir=tmp_path / "other",
                           python=backend.python)
    theirs = other.start(_spec(7))
    try:
        (other.state_dir / "7.json").unlink()
        assert backend.sweep(grace=2) == {"adopted": 0, "stopped": 0}
        assert not _gone(_pid(theirs))
    finally:
        os.killpg(_pid(theirs), 9)
