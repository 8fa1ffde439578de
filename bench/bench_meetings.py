"""Meetings: generating the instances' occurrences, calendar pages with 20 000 meetings,
a one-year ICS feed.

Runs in a child process on its own SQLite database under var/bench-meetings (built
once: territories, contract, the instances of the volet communal, then bench series
up to 20 000 meetings), so neither the development database nor the shared bench
database is touched. Pages are measured in-process with Django's test client.

Environment: BENCH_MEETINGS (20000), BENCH_MEETINGS_REQUESTS (per page, 200).
"""

import json
import os
import sys
import time

from bench import BASE_DIR, fr_number, log, log_in, percentile, run_in_child, timed_pages

VAR_DIR = BASE_DIR / "var" / "bench-meetings"
MEETINGS = int(os.environ.get("BENCH_MEETINGS", "20000"))
REQUESTS = int(os.environ.get("BENCH_MEETINGS_REQUESTS", "200"))
BENCH_KEY = "bench-serie-"


def run() -> list[dict]:
    return run_in_child("bench.bench_meetings", VAR_DIR)


# ------------------------------------------------------------- child process


def _setup():
    from django.core.management import call_command

    from cdvs.contract.models import LocalSection

    call_command("migrate", interactive=False, verbosity=0)
    if not LocalSection.objects.exists():
        started = time.perf_counter()
        call_command("load_territories", verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115
        call_command("load_contract", verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115
        log(f"  données de référence chargées en {time.perf_counter() - started:.1f} s")


def _bench_series(target: int):
    """Bench series with meetings on working days over 2024-2030, up to `target`."""
    from datetime import date, timedelta
    from datetime import time as dtime

    from cdvs.meetings.models import AgendaItem, Meeting, MeetingSeries, aware
    from cdvs.territories.models import Territory

    existing = Meeting.objects.count()
    if existing >= target:
        return existing
    commune = Territory.objects.filter(code="59017").first()
    n_series = 40
    series = []
    for i in range(n_series):
        s, _ = MeetingSeries.objects.get_or_create(
            key=f"{BENCH_KEY}{i}",
            defaults=dict(
                name=f"[banc d'essai] Instance {i}",
                commune=commune,
                visibility=["public", "partenaires", "coordination"][i % 3],
                period="aucune",
                period_start=date(2024, 1, 1),
                period_end=date(2030, 12, 31),
            ),
        )
        series.append(s)
    missing = target - existing
    days = [
        date(2024, 1, 1) + timedelta(days=d)
        for d in range((date(2030, 12, 31) - date(2024, 1, 1)).days + 1)
    ]
    days = [d for d in days if d.weekday() < 5]
    batch, items = [], []
    for n in range(missing):
        day = days[(n * 7919) % len(days)]
        s = series[n % n_series]
        start = aware(day, dtime(9 + n % 8, 0))
        batch.append(
            Meeting(
                series=s,
                title=f"{s.name} — réunion {n}",
                day=day,
                start=start,
                end=start + timedelta(hours=1),
                window_start=day,
                window_end=day,
                window_label="",
                sort_date=day,
                visibility=s.visibility,
                place="Salle du conseil",
            )
        )
    Meeting.objects.bulk_create(batch, batch_size=2000)
    created = Meeting.objects.filter(series__key__startswith=BENCH_KEY).order_by("-pk")[:missing]
    for m in created.values_list("pk", flat=True)[: missing // 2]:
        items.append(AgendaItem(meeting_id=m, title="Tour de table", duration_minutes=20))
    AgendaItem.objects.bulk_create(items, batch_size=2000)
    return Meeting.objects.count()


def child() -> list[dict]:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cdvs.settings")
    import django

    django.setup()
    from django.conf import settings

    settings.ALLOWED_HOSTS = ["testserver"]
    from django.db import transaction
    from django.test import Client
    from django.urls import reverse

    from cdvs.accounts.models import Membership, Role, User
    from cdvs.directory.models import Organisation, OrganisationKind
    from cdvs.meetings.generation import generate_all
    from cdvs.meetings.loader import load
    from cdvs.meetings.models import CalendarFeedToken, Meeting, MeetingSeries

    rows = []
    _setup()
    load()
    contract_series = MeetingSeries.objects.exclude(key__startswith=BENCH_KEY)

    # 1. generating every instance of the contract over 2024-2030, from nothing
    timings = []
    for _ in range(5):
        with transaction.atomic():
            Meeting.all_objects.filter(series__in=contract_series).delete()
            started = time.perf_counter()
            report = generate_all(contract_series)
            timings.append((time.perf_counter() - started) * 1000)
    regen = []
    for _ in range(5):
        started = time.perf_counter()
        generate_all(contract_series)
        regen.append((time.perf_counter() - started) * 1000)
    best = min(timings)
    rows.append(
        {
            "name": "Génération de toutes les instances du contrat sur 2024-2030",
            "value": round(best, 1),
            "unit": "ms",
            "target": "< 1 000 ms",
            "ok": best < 1000,
            "detail": f"{report.created} réunions pour {contract_series.count()} instances ; "
            f"régénération sans changement : {fr_number(min(regen))} ms",
        }
    )

    # 2. calendar pages with 20 000 meetings
    total = _bench_series(MEETINGS)
    log(f"  {total} réunions dans la base")
    org, _ = Organisation.objects.get_or_create(
        key="bench-meetings-spv",
        defaults={
            "name": "[banc d'essai] Service Politique de la Ville",
            "kind": OrganisationKind.CITY_SERVICE,
            "territory": MeetingSeries.objects.filter(key__startswith=BENCH_KEY).first().commune,
        },
    )
    user, created = User.objects.get_or_create(email="coordination@banc-agenda.cdvs.invalid")
    if created:
        user.set_unusable_password()
        user.save()
        Membership.objects.create(user=user, organisation=org, role=Role.COORDINATOR)
    client = Client()
    log_in(client, user)
    pages = {
        "Vue mensuelle (coordination)": [
            reverse("meetings:month", args=[y, m]) for y in (2025, 2027, 2029) for m in (3, 6, 10)
        ],
        "Liste des prochaines réunions (coordination)": [reverse("meetings:index")]
        + [reverse("meetings:index") + f"?page={p}" for p in (2, 5, 20)],
    }
    for label, urls in pages.items():
        cpu = []
        times = timed_pages(client, urls, REQUESTS, warmup=3, cpu=cpu)
        p95 = percentile(times, 95)
        rows.append(
            {
                "name": f"{label}, {fr_number(total, 0)} réunions : p95",
                "value": round(p95, 1),
                "unit": "ms",
                "target": "< 150 ms",
                "ok": p95 < 150,
                "detail": f"médiane {fr_number(percentile(times, 50))} ms sur {len(times)} "
                f"requêtes ; temps processeur p95 {fr_number(percentile(cpu, 95))} ms ; charge "
                f"de la machine {fr_number(os.getloadavg()[0], 2)}",
            }
        )
    anonymous = Client()
    times = timed_pages(anonymous, pages["Vue mensuelle (coordination)"], REQUESTS, warmup=3)
    p95 = percentile(times, 95)
    rows.append(
        {
            "name": "Vue mensuelle (public) : p95",
            "value": round(p95, 1),
            "unit": "ms",
            "target": "< 150 ms",
            "ok": p95 < 150,
        }
    )

    # 3. a one-year ICS feed
    token = CalendarFeedToken.objects.filter(user=user, revoked_at=None).first()
    token = token or CalendarFeedToken.objects.create(user=user)
    url = reverse("meetings:private_feed", args=[token.token]) + "?annee=2027"
    from django.core.cache import cache

    times, cpu, size, events = [], [], 0, 0
    for _ in range(20):
        cache.clear()  # measured without the feed cache: the body is built each time
        started, cpu_started = time.perf_counter(), time.process_time()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - cpu_started) * 1000)
        size = len(response.content)
        events = response.content.count(b"BEGIN:VEVENT")
    p95 = percentile(times, 95)
    client.get(url)
    warm = []
    for _ in range(20):
        started = time.perf_counter()
        client.get(url)
        warm.append((time.perf_counter() - started) * 1000)
    rows.append(
        {
            "name": "Flux ICS d'une année (2027), construit à chaque requête : p95",
            "value": round(p95, 1),
            "unit": "ms",
            "target": "< 300 ms",
            "ok": p95 < 300,
            "detail": f"{fr_number(events, 0)} événements, {fr_number(size / 1024, 0)} Kio ; "
            f"médiane {fr_number(percentile(times, 50))} ms, temps processeur médian "
            f"{fr_number(percentile(cpu, 50))} ms ; charge de la machine : "
            f"{fr_number(os.getloadavg()[0], 2)}",
        }
    )
    rows.append(
        {
            "name": "Flux ICS d'une année (2027), inchangé depuis la dernière lecture : p95",
            "value": round(percentile(warm, 95), 1),
            "unit": "ms",
            "target": "< 300 ms",
            "ok": percentile(warm, 95) < 300,
            "detail": "corps gardé en cache sous son ETag ; un client qui envoie If-None-Match "
            "reçoit 304",
        }
    )
    return rows


if __name__ == "__main__":
    sys.path.insert(0, str(BASE_DIR))
    print(json.dumps(child()))
