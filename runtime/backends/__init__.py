"""Runtime backends behind one interface (`base.Backend`): process, docker, swarm."""

from __future__ import annotations

from functools import cache

from django.conf import settings

from runtime.backends.base import Backend


def namespace() -> str:
    # Separates bots of different deployments (and test runs) sharing one engine.
    return getattr(settings, "RUNTIME_NAMESPACE", "vitrine")


def make_backend(name: str | None = None, *, ns: str | None = None, **options: object) -> Backend:
    name = name or settings.RUNTIME_BACKEND
    ns = ns or namespace()
    if name == "process":
        from runtime.backends.process import ProcessBackend

        return ProcessBackend(namespace=ns, **options)
    if name == "docker":
        from runtime.backends.docker import DockerBackend

        return DockerBackend(namespace=ns, **options)
    if name == "swarm":
        from runtime.backends.swarm import SwarmBackend

        return SwarmBackend(namespace=ns, **options)
    raise ValueError(f"unknown runtime backend {name!r}")


@cache
def _default(name: str, ns: str) -> Backend:
    return make_backend(name, ns=ns)


def get_backend() -> Backend:
    """The configured backend, one per process (it holds the engine's connection pool)."""
    return _default(settings.RUNTIME_BACKEND, namespace())


def reset_backend_cache() -> None:
    _default.cache_clear()
