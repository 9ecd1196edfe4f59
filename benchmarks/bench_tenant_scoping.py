"""Cost of fail-closed tenant scoping: a scoped read vs the same read through a plain QuerySet.

Prints JSON lines {"name", "value", "unit", "baseline", "ratio"}; the baseline is measured in the
same run, interleaved, because these machines are noisy. `--smoke` (make test): a few reads
per round, the same checks, figures meaningless.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from django.db import models, transaction  # noqa: E402

from tenants.models import InstanceToken, Membership, User  # noqa: E402
from tenants.services import instance_token_authenticate, instance_token_create, tenant_create  # noqa: E402

ROUNDS, PER_ROUND = 5, 400
if "--smoke" in sys.argv[1:]:
    ROUNDS, PER_ROUND = 1, 10


def timed(fn) -> float:
    started = time.perf_counter()
    for _ in range(PER_ROUND):
        fn()
    return (time.perf_counter() - started) / PER_ROUND * 1e6


def best_of(fn_a, fn_b) -> tuple[float, float]:
    a, b = [], []
    for _ in range(ROUNDS):
        a.append(timed(fn_a))
        b.append(timed(fn_b))
    return min(a), min(b)


def emit(name: str, value: float, baseline: float, unit: str = "us/op") -> None:
    print(json.dumps({"name": name, "value": round(value, 2), "unit": unit,
                      "baseline": round(baseline, 2), "ratio": round(value / baseline, 3)}))


def main() -> None:
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    with transaction.atomic():
        owner = User.objects.create_user(username="bench-owner")
        tenant = tenant_create(owner=owner, name="Bench")
        token, plaintext = instance_token_create(tenant=tenant, actor=owner)
        plain = models.QuerySet(model=Membership)
        scoped, baseline = best_of(
            lambda: list(Membership.objects.for_tenant(tenant).filter(role="owner")),
            lambda: list(plain.filter(tenant=tenant, role="owner")),
        )
        emit("scoped_read", scoped, baseline)
        auth, lookup = best_of(
            lambda: instance_token_authenticate(raw=plaintext),
            lambda: models.QuerySet(model=InstanceToken).filter(pk=token.pk).first(),
        )
        emit("instance_token_authenticate", auth, lookup)
        transaction.set_rollback(True)


if __name__ == "__main__":
    main()
