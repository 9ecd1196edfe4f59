"""deploy/stack.yml is the compose file for Swarm: same services and commands, nothing Swarm
ignores, every secret through a *_FILE variable and a declared Swarm secret."""

from __future__ import annotations

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def _load(name: str) -> dict:
    return yaml.safe_load((ROOT / name).read_text(encoding="utf-8"))


def test_the_stack_runs_every_compose_service_with_the_same_command() -> None:
    compose, stack = _load("docker-compose.yml"), _load("deploy/stack.yml")
    production = {name: svc for name, svc in compose["services"].items()
                  if "profiles" not in svc}
    assert set(stack["services"]) == set(production)
    for name, service in production.items():
        assert stack["services"][name].get("command") == service.get("command"), name


def test_the_stack_holds_nothing_swarm_ignores_and_no_secret_value() -> None:
    stack = _load("deploy/stack.yml")
    declared = set(stack["secrets"])
    for name, service in stack["services"].items():
        assert not {"build", "depends_on", "restart", "env_file", "profiles"} & set(service), name
        for key, value in (service.get("environment") or {}).items():
            assert not any(word in key for word in ("SECRET", "PASSWORD", "TOKEN", "KEYS")) \
                or key.endswith("_FILE"), (name, key)
            if key.endswith("_FILE"):
                assert value.removeprefix("/run/secrets/") in service["secrets"], (name, key)
        assert set(service.get("secrets") or []) <= declared, name
    assert all(secret.get("external") for secret in stack["secrets"].values())
    controller = stack["services"]["controller"]
    assert controller["environment"]["RUNTIME_BACKEND"] == "swarm"
    assert controller["deploy"]["placement"]["constraints"] == ["node.role == manager"]
