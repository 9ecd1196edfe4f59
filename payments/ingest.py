"""The webhook acknowledgement, the platform's busiest path: read, verify, store once, make
sure a drain is pending, answer.

`Ingest` owns everything that path keeps between requests: the Redis client holding the "a
drain is pending" flag, how long ago this process saw that flag set (the trust window,
PAYMENTS_DRAIN_TRUST_MS), and the prepared insert. One instance per process, made by
`PaymentsConfig.ready` (`current()` returns it); the drain task reads the same flag through it.
The notification format and its signature are `payments.webhooks` (stateless).
"""

from __future__ import annotations

import time
from collections.abc import Callable

import psycopg
import redis
import structlog
from django.apps import apps
from django.conf import settings
from django.db import InterfaceError, OperationalError, connection, transaction
from django.http import HttpRequest
from django.utils import timezone

import audit
from payments import webhooks
from payments.models import WebhookEvent

log = structlog.get_logger(__name__)
DRAIN_KEY = "vitrine:payments:webhook-drain"
DRAIN_TTL = 30  # a drain that died lets the next notification start another after this
INSERT_SQL = (
    f"INSERT INTO {WebhookEvent._meta.db_table} (provider, event_id, topic, action, data_id, "  # noqa: S608
    "request_id, legacy_ipn, payload, received_at, state, attempts, error) "
    "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, 0, %s) "
    "ON CONFLICT (provider, event_id) DO NOTHING RETURNING id")
# psycopg's own default; Django's connection sets None, which turns even prepare=True off.
PREPARE_THRESHOLD = 5


def current() -> Ingest:
    """This process's Ingest."""
    return apps.get_app_config("payments").ingest


class Ingest:
    """The acknowledgement path and the state it keeps in this process.

    `publish_drain` publishes one `drain_webhook_events` task (given by the app config, since
    the tasks module reads the flag through this class); `clock` is monotonic seconds (tests
    give their own).
    """

    def __init__(self, *, publish_drain: Callable[[], object],
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.publish_drain = publish_drain
        self.clock = clock
        self._flag_client: redis.Redis | None = None
        self._flag_seen_at: float | None = None  # when this process last saw the flag set

    # --- the request -------------------------------------------------------------------
    def acknowledge(self, request: HttpRequest, request_id: str,
                    provider: str = "mercadopago") -> str:
        """Store a verified notification: "accepted", "duplicate" or "ignored" (all 200), or
        raise webhooks.Rejected (nothing stored). `provider` "mercadopago_seller": a payment
        on a shop's own account (same format and secret, read with the seller's token)."""
        body = self._read_body(request)
        content_type = request.content_type or ""
        if body and content_type not in ("application/json", ""):
            raise webhooks.Rejected(415, "JSON only")
        query = {key: request.GET.get(key, "") for key in request.GET}
        signature = request.headers.get("x-signature", "")
        legacy = "topic" in query and "data.id" not in query
        data_id = query.get("id", "") if legacy else query.get("data.id", "")
        if not (legacy and not signature and webhooks.allow_unsigned_ipn()):
            webhooks.verify_signature(header=signature, data_id=data_id, request_id=request_id)
        note = webhooks.parse(query=query, body=body)
        event_id, state = self.store(note=note, request_id=request_id, provider=provider)
        if event_id is None:
            return "duplicate"
        if state == WebhookEvent.State.IGNORED:
            audit.record(actor=None, tenant=None, action="webhook.ignored", target=None,
                         data={"event": event_id, "topic": note.topic, "data_id": note.data_id})
            return "ignored"
        transaction.on_commit(self._kick_safely)
        return "accepted"

    @staticmethod
    def _read_body(request: HttpRequest) -> bytes:
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        if declared > webhooks.MAX_BODY_BYTES:
            raise webhooks.Rejected(413, "body over 64 KiB")
        body = request.read(webhooks.MAX_BODY_BYTES + 1)
        if len(body) > webhooks.MAX_BODY_BYTES:
            raise webhooks.Rejected(413, "body over 64 KiB")
        return body

    # --- storing -----------------------------------------------------------------------
    def store(self, *, note: webhooks.Notification, request_id: str,
              provider: str = "mercadopago") -> tuple[int | None, str]:
        """Insert the event once: (event id, state), or (None, "") for a duplicate.

        One statement, `INSERT ... ON CONFLICT DO NOTHING RETURNING id`: the unique (provider,
        event id) decides, with no savepoint or exception round trips on this path.
        """
        state, error = WebhookEvent.State.RECEIVED, ""
        if not webhooks.known_topic(note.topic) or not note.data_id:
            state, error = WebhookEvent.State.IGNORED, "unknown topic or no id"
        params = [provider, note.event_id, note.topic, note.action, note.data_id,
                  request_id[:120], note.legacy_ipn, note.payload_json, timezone.now(), state,
                  error]
        if connection.in_atomic_block:  # a caller's transaction: no retry can be safe in there
            return self._insert(params, state)
        # On PostgreSQL the insert runs on the raw connection, so Django's per-request health
        # check (a round trip, on its own cursors only) is never paid here. The insert is
        # idempotent: if the kept connection turns out dead (database restarted), it is
        # replaced and the insert retried once.
        try:
            return self._insert(params, state)
        except (InterfaceError, OperationalError):
            connection.close()
            return self._insert(params, state)

    def _insert(self, params: list, state: str) -> tuple[int | None, str]:
        if connection.vendor == "postgresql":
            row = self._insert_prepared(params)
        else:  # the embedded SQLite default
            with connection.cursor() as cursor:
                cursor.execute(INSERT_SQL, params)
                row = cursor.fetchone()
        return (row[0], state) if row else (None, "")

    @staticmethod
    def _insert_prepared(params: list) -> tuple | None:
        """The insert as a server-side prepared statement on Django's own connection.

        Django's psycopg cursors bind parameters client-side, so every acknowledgement paid
        for quoting eleven values in Python and PostgreSQL for parsing and planning the text
        again. A plain psycopg cursor binds server-side and, prepared once per connection,
        sends only the statement's name and the values. Only this cursor prepares (Django's
        client-side cursors never do).
        """
        connection.ensure_connection()
        raw = connection.connection
        if raw.prepare_threshold is None:
            raw.prepare_threshold = PREPARE_THRESHOLD
        with connection.wrap_database_errors, psycopg.Cursor(raw) as cursor:
            cursor.execute(INSERT_SQL, params, prepare=True)
            return cursor.fetchone()

    # --- the drain flag ----------------------------------------------------------------
    def drain_flag(self) -> redis.Redis | None:
        """The Redis client holding the "a drain is pending" flag, or None on the embedded
        default (locmem cache: no store every process sees, so each acknowledgement publishes).

        One client per process, made once: Django's cache builds a new redis.Redis per call,
        which costs more CPU than the SET itself on this path.
        """
        backend = settings.CACHES["default"]
        if "redis" not in backend["BACKEND"].lower():
            return None
        if self._flag_client is None:
            self._flag_client = redis.Redis.from_url(backend["LOCATION"])
        return self._flag_client

    @staticmethod
    def trust_seconds() -> float:
        return settings.PAYMENTS_DRAIN_TRUST_MS / 1000

    def kick(self) -> None:
        """After an event is stored: make sure a drain runs, publishing at most one task while
        one is pending. The acknowledgement then costs a Redis SET NX, not a Celery publish.

        Under load even that round trip is most of what an acknowledgement costs beyond the
        insert (a blocking call per request in every web thread), so a process that saw the
        flag set trusts it for PAYMENTS_DRAIN_TRUST_MS without asking again. That is safe
        because a drain that clears the flag runs one more pass twice that long afterwards
        (payments.tasks.drain_webhook_events): an event stored while a process still trusted
        the flag was committed before that pass.
        """
        flag = self.drain_flag()
        if flag is None:
            self.publish_drain()
            return
        asked_at = self.clock()  # before the round trip: the trust never outlasts what Redis said
        seen_at = self._flag_seen_at
        if seen_at is not None and asked_at - seen_at < self.trust_seconds():
            return
        if flag.set(DRAIN_KEY, 1, nx=True, ex=DRAIN_TTL):
            self.publish_drain()
        self._flag_seen_at = asked_at

    def _kick_safely(self) -> None:
        try:
            self.kick()
        except Exception as exc:  # broker or Redis down: the event is stored; the sweeper re-sends
            log.error("payments.enqueue_failed", error=f"{exc.__class__.__name__}: {exc}")
