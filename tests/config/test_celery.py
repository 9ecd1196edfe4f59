"""The Celery app as configured: JSON only, three queues, routes, beat, and a real round trip."""

from __future__ import annotations

import threading

import pytest
from celery import Celery
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.conf import settings

from admin_panel.models import Heartbeat
from admin_panel.selectors import beat_last_seen
from admin_panel.tasks import record_beat
from config.celery import app


def test_json_only_and_time_limits():
    assert app.conf.task_serializer == "json"
    assert app.conf.accept_content == ["json"]
    assert app.conf.task_time_limit and app.conf.task_soft_time_limit
    assert app.conf.task_soft_time_limit < app.conf.task_time_limit


def test_queues_and_routes():
    assert {q.name for q in app.conf.task_queues} == {"default", "fulfillment", "runtime"}
    router = app.amqp.router
    assert router.route({}, "sales.tasks.deliver_order")["queue"].name == "fulfillment"
    assert router.route({}, "runtime.tasks.sync_runtime")["queue"].name == "runtime"
    assert router.route({}, "payments.tasks.apply_webhook")["queue"].name == "default"


def test_beat_schedule_names_registered_tasks():
    app.loader.import_default_modules()
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert entry["task"] in app.tasks


@pytest.mark.django_db(transaction=True)
def test_a_task_runs_through_the_real_broker():
    """Send a task through Redis and have a real worker consume it.

    The worker runs in a thread of a twin app built from the same settings but without the
    Django fixup, which would otherwise close the test thread's database connection.
    """
    twin = Celery("vitrine-test", fixups=[])
    twin.config_from_object("django.conf:settings", namespace="CELERY")
    twin.conf.task_queues = app.conf.task_queues
    task = twin.task(name=record_beat.name)(record_beat.run)
    finished = threading.Event()

    def on_postrun(sender=None, **kwargs):
        if sender is not None and sender.name == record_beat.name:
            finished.set()

    task_postrun.connect(on_postrun, weak=False)
    Heartbeat.objects.all().delete()
    try:
        with start_worker(twin, queues=["default"], perform_ping_check=False, pool="solo",
                          shutdown_timeout=10):
            task.apply_async(queue="default")
            assert finished.wait(timeout=20), "the worker never ran the task"
    finally:
        task_postrun.disconnect(on_postrun)
        app.set_current()  # start_worker made the twin current; give the project's app back
        app.set_default()
    assert beat_last_seen() is not None  # in the database: every process sees beat's pulse
