import errno
import sys
import uuid

from django.conf import settings
from django.core.cache import cache
from django.db import InterfaceError, OperationalError, connection
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.views.decorators.cache import never_cache

from .models import Heartbeat, ScheduledRun
from .navigation import area
from .tasks import SCHEDULER, WORKER


def upcoming_area(request, area: str):
    found = _area(area)
    return render(request, "core/upcoming.html", {"area": found})


def _area(slug):
    found = area(slug)
    if found is None or found.url_name:
        raise Http404("Rubrique inconnue")
    return found


def accessibility(request):
    return render(request, "core/accessibility.html")


def processing_register(request):
    return render(
        request,
        "core/processing_register.html",
        {
            "inactive_days": settings.CDVS_INACTIVE_ACCOUNT_DAYS,
            "warning_days": settings.CDVS_INACTIVE_WARNING_DAYS,
            "lockout_minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
        },
    )


def _check(fn):
    try:
        return fn()
    except Exception as exc:  # the probe reports, it never fails
        return {"statut": "erreur", "erreur": type(exc).__name__}


def _database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return {"statut": "ok"}


def _cache():
    key, value = f"sante:{uuid.uuid4().hex}", uuid.uuid4().hex
    cache.set(key, value, 10)
    found = cache.get(key)
    cache.delete(key)
    return {"statut": "ok" if found == value else "erreur"}


def _heartbeat(name):
    def check():
        age = Heartbeat.age(name)
        limit = settings.CDVS_HEALTH_MAX_SILENCE
        if age is None:
            return {"statut": "erreur", "erreur": "aucun signe de vie"}
        return {"statut": "ok" if age <= limit else "erreur", "silence_s": round(age)}

    return check


def _last_run():
    run = ScheduledRun.objects.order_by("-started_at").first()
    if run is None:
        return None
    return {
        "tache": run.job,
        "periode": run.period,
        "commencee": run.started_at.isoformat(timespec="seconds"),
        "terminee": run.finished_at.isoformat(timespec="seconds") if run.finished_at else None,
        "en_echec": run.failed,
    }


@never_cache
def health(request):
    """For a load balancer or a monitoring probe, without login and without personal
    data: 200 when everything answers, 503 otherwise. `?portee=web` checks only what a
    web process needs (database, cache)."""
    checks = {"base": _check(_database), "cache": _check(_cache)}
    if request.GET.get("portee") != "web":
        checks["travailleur"] = _check(_heartbeat(WORKER))
        checks["planificateur"] = _check(_heartbeat(SCHEDULER))
        if checks["base"]["statut"] == "ok":
            checks["planificateur"]["derniere_execution"] = _check(_last_run)
    healthy = all(c["statut"] == "ok" for c in checks.values())
    return JsonResponse(
        {"statut": "ok" if healthy else "erreur", "verifications": checks},
        status=200 if healthy else 503,
    )


def server_error(request):
    """The 500 handler (`handler500`): a database out of reach (restarting, too many
    connections) answers 503 and a disk full 507, each with its own French page; the
    page is rendered without the request's context, which may need the database."""
    exc = sys.exc_info()[1]
    if isinstance(exc, OperationalError | InterfaceError):
        response = HttpResponse(render_to_string("503.html"), status=503)
        response["Retry-After"] = "30"
        return response
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return HttpResponse(render_to_string("507.html"), status=507)
    return HttpResponse(render_to_string("500.html"), status=500)
