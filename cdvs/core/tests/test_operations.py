"""Operations: the health page, the scheduler on APScheduler with the worker's
heartbeat, the French pages of a database out of reach, request ids in the logs."""

import io
import json
import logging
import logging.config
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from django.conf import settings as django_settings
from django.core.management import call_command
from django.db import OperationalError
from django.test import Client
from django_tasks_db.models import DBTaskResult

from cdvs.core.models import Heartbeat, ScheduledRun
from cdvs.core.observability import RequestIdFilter, logging_config
from cdvs.core.scheduler import JOBS, build_scheduler, tick
from cdvs.core.tasks import SCHEDULER, WORKER

PARIS = ZoneInfo("Europe/Paris")
pytestmark = pytest.mark.django_db


def test_health_answers_503_until_the_worker_and_the_scheduler_beat(client, time_machine):
    time_machine.move_to(datetime(2026, 11, 23, 6, 0, tzinfo=PARIS), tick=False)
    response = client.get("/sante/")
    assert response.status_code == 503
    body = response.json()
    assert body["verifications"]["base"] == {"statut": "ok"}
    assert body["verifications"]["cache"] == {"statut": "ok"}
    assert body["verifications"]["travailleur"]["statut"] == "erreur"
    assert response["Cache-Control"].startswith("max-age=0")

    Heartbeat.beat(WORKER)
    Heartbeat.beat(SCHEDULER)
    response = client.get("/sante/")
    assert response.status_code == 200
    assert response.json()["statut"] == "ok"

    time_machine.move_to(datetime(2026, 11, 23, 6, 6, tzinfo=PARIS), tick=False)
    response = client.get("/sante/")  # six minutes of silence
    assert response.status_code == 503
    assert response.json()["verifications"]["planificateur"]["silence_s"] == 360
    # a load balancer may ask only about the web process itself
    assert client.get("/sante/?portee=web").status_code == 200


def test_health_shows_the_last_scheduled_run_and_no_personal_data(client, world):
    Heartbeat.beat(WORKER)
    Heartbeat.beat(SCHEDULER)
    ScheduledRun.objects.create(job="rappels-reunions", period="2026-11-23", output="x@y.fr")
    response = client.get("/sante/")
    text = response.content.decode()
    last = response.json()["verifications"]["planificateur"]["derniere_execution"]
    assert last["tache"] == "rappels-reunions" and last["en_echec"] is False
    assert "@" not in text  # neither the run's output nor any address


def test_health_reports_a_database_out_of_reach_with_503(client, monkeypatch):
    from cdvs.core import views

    def down():
        raise OperationalError("connection refused")

    monkeypatch.setattr(views, "_database", down)
    response = client.get("/sante/?portee=web")
    assert response.status_code == 503
    assert response.json()["verifications"]["base"] == {
        "statut": "erreur",
        "erreur": "OperationalError",
    }


def test_health_is_never_redirected_to_https(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/sante/?portee=web").status_code == 200
    assert client.get("/accessibilite/").status_code == 301


def test_a_database_out_of_reach_gives_a_french_503_page(monkeypatch):
    from cdvs.core import views

    def lost(slug):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(views, "_area", lost)
    response = Client(raise_request_exception=False).get("/a-venir/evaluation/")
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "Service momentanément indisponible" in response.content.decode()
    assert django_settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] is True


def test_other_errors_keep_the_500_page(monkeypatch):
    from cdvs.core import views

    def broken(slug):
        raise ValueError("bogue")

    monkeypatch.setattr(views, "_area", broken)
    response = Client(raise_request_exception=False).get("/a-venir/evaluation/")
    assert response.status_code == 500
    assert "Une erreur est survenue" in response.content.decode()


def test_each_job_has_its_cron_trigger_at_its_paris_time():
    scheduler = build_scheduler(BackgroundScheduler)
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert set(jobs) == {job.name for job in JOBS} | {"signe-de-vie"}
    sunday = datetime(2026, 11, 22, 12, 0, tzinfo=PARIS)
    for job in JOBS:
        fire = jobs[job.name].trigger.get_next_fire_time(None, sunday)
        assert fire.astimezone(PARIS).time() == job.at
        if job.weekday is None:
            assert fire.date() == datetime(2026, 11, 23).date()  # the next day
        else:
            assert fire.weekday() == job.weekday
    # the tick runs at start, so that missed runs are caught up at once
    assert jobs["signe-de-vie"].next_run_time is not None


@pytest.mark.django_db(transaction=True)  # the worker closes a connection left in a transaction
def test_the_tick_beats_queues_the_worker_heartbeat_and_catches_up(time_machine):
    time_machine.move_to(datetime(2026, 11, 23, 10, 0, tzinfo=PARIS), tick=False)
    runs = tick()
    assert "rappels-reunions" in {run.job for run in runs}  # 7:00 missed: caught up
    assert Heartbeat.age(SCHEDULER) == 0
    assert Heartbeat.age(WORKER) is None
    assert DBTaskResult.objects.filter(task_path__endswith="worker_heartbeat").count() == 1
    assert tick() == []  # once per period, however often it ticks
    # the worker runs the heartbeat: the health page then knows it serves the queue
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
    assert Heartbeat.age(WORKER) == 0


def test_run_scheduler_starts_apscheduler(monkeypatch):
    started = []
    monkeypatch.setattr(
        "apscheduler.schedulers.blocking.BlockingScheduler.start",
        lambda self: started.append({job.id for job in self.get_jobs()}),
    )
    out = io.StringIO()
    call_command("run_scheduler", stdout=out)
    assert "Rappels des réunions à venir : chaque jour à 7\u00a0h\u00a000" in out.getvalue()
    assert started and "rappels-reunions" in started[0]


def test_json_logs_carry_the_request_id(client, monkeypatch):
    config = logging_config(json=True)
    formatter = logging.config.DictConfigurator(config).configure_custom(
        dict(config["formatters"]["main"])
    )
    records = []

    class Keep(logging.Handler):
        def emit(self, record):
            records.append(formatter.format(record))

    handler = Keep()
    handler.addFilter(RequestIdFilter())
    logger = logging.getLogger("cdvs.core.views")
    logger.addHandler(handler)
    try:
        from cdvs.core import views

        original = views.render

        def render(request, *args, **kwargs):
            logger.warning("page servie")
            return original(request, *args, **kwargs)

        monkeypatch.setattr(views, "render", render)
        response = client.get("/a-venir/evaluation/", HTTP_X_REQUEST_ID="abc-123-def")
    finally:
        logger.removeHandler(handler)
    assert response["X-Request-ID"] == "abc-123-def"
    line = json.loads(records[0])
    assert line["message"] == "page servie"
    assert line["request_id"] == "abc-123-def"
    assert line["level"] == "WARNING" and line["logger"] == "cdvs.core.views"
    # an id that is not a sane token is replaced
    response = client.get("/sante/?portee=web", HTTP_X_REQUEST_ID="<script>")
    assert len(response["X-Request-ID"]) == 32


def test_heartbeat_age_is_none_before_any_beat():
    assert Heartbeat.age("inconnu") is None
    Heartbeat.beat("inconnu")
    Heartbeat.objects.filter(name="inconnu").update(
        beat_at=Heartbeat.objects.get(name="inconnu").beat_at - timedelta(seconds=90)
    )
    assert 89 <= Heartbeat.age("inconnu") <= 91


def test_the_processing_register_says_the_delays_in_force(client, settings):
    settings.CDVS_INACTIVE_ACCOUNT_DAYS = 400
    page = client.get("/registre-des-traitements/").content.decode()
    assert "Registre des traitements de données personnelles" in page
    assert "pendant 400&nbsp;jours" in page and "Contacts de l'annuaire" in page
    assert 'href="/registre-des-traitements/"' in client.get("/accessibilite/").content.decode()
