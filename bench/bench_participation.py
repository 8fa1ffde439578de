"""Residents' pages of the participation at bench scale: the participation's home, a
campaign with its figures (10 000 ideas), a public idea, the deposit form, « Près de
chez moi » (the form, three positions, its FALC version) among 50 000 organisations
with a place and opening hours around Armentières, the FALC page, the depositor's page
from their link, the request to attend the réunion des acteurs; each page's p95 (wall
clock and CPU of the process: the machine is shared) and weight, beside a minimal view
(the health check) measured in the same run as the reference.

Generated (names and keys start with « [banc d'essai] » / `bench-participation-`):
50 000 organisations, each with one place (« Accueil », a point drawn uniformly in a
box around Armentières), opening slots 9 h – 12 h on three weekdays and one service;
one open campaign on Armentières with 10 000 confirmed ideas (points in the same box,
classified by `locate`, statuses in turn, the carriers' residence in turn); one public
réunion des acteurs in 30 days. The real territories come from `load_territories`.

Runs in a child process on its own SQLite database under var/bench-participation
(built once: territories, then the bench organisations, places, hours and ideas).
Pages are measured in-process with Django's test client.

Environment: BENCH_PARTICIPATION_ORGS (50000), BENCH_PARTICIPATION_IDEAS (10000),
BENCH_PARTICIPATION_REQUESTS (per page, 200).
"""

import json
import os
import sys
import time

from bench import BASE_DIR, fr_number, log, percentile, run_in_child, timed_pages

VAR_DIR = BASE_DIR / "var" / "bench-participation"
ORGS = int(os.environ.get("BENCH_PARTICIPATION_ORGS", "50000"))
IDEAS = int(os.environ.get("BENCH_PARTICIPATION_IDEAS", "10000"))
REQUESTS = int(os.environ.get("BENCH_PARTICIPATION_REQUESTS", "200"))
P95_MS = 100
MAX_BYTES = 150_000
KEY = "bench-participation-"
# around Armentières (lat, lon)
BOX = (50.665, 2.84, 50.715, 2.93)


def run() -> list[dict]:
    return run_in_child("bench.bench_participation", VAR_DIR)


def _setup():
    from django.core.management import call_command

    from cdvs.territories.models import Territory

    call_command("migrate", interactive=False, verbosity=0)
    if not Territory.objects.filter(code="59017").exists():
        call_command("load_territories", verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115


def _points(n, seed):
    import numpy as np

    rng = np.random.default_rng(seed)
    lat = rng.uniform(BOX[0], BOX[2], n)
    lon = rng.uniform(BOX[1], BOX[3], n)
    return lat, lon


def _organisations(total):
    from datetime import time as dtime

    from cdvs.directory.models import OpeningSlot, Organisation, Place, Service

    existing = Organisation.objects.filter(key__startswith=KEY).count()
    if existing >= total:
        return
    lat, lon = _points(total, 1)
    started = time.perf_counter()
    for first in range(existing, total, 5000):
        last = min(total, first + 5000)
        orgs = Organisation.objects.bulk_create(
            [Organisation(key=f"{KEY}{i}", name=f"[banc d'essai] Structure {i}",
                          kind="association", city="Armentières") for i in range(first, last)]
        )  # fmt: skip
        places = Place.objects.bulk_create(
            [Place(organisation=o, name="Accueil", address=f"{i} rue du Banc d'essai",
                   lat=float(lat[i]), lon=float(lon[i]))
             for i, o in zip(range(first, last), orgs, strict=True)]
        )  # fmt: skip
        slots = []
        for i, place in zip(range(first, last), places, strict=True):
            for weekday in (i % 7, (i + 2) % 7, (i + 4) % 7):
                slots.append(OpeningSlot(place=place, organisation_id=place.organisation_id,
                                         weekday=weekday, start=dtime(9), end=dtime(12)))  # fmt: skip
        OpeningSlot.objects.bulk_create(slots, batch_size=5000)
        Service.objects.bulk_create(
            [Service(organisation=o, name="Accueil et orientation") for o in orgs]
        )
    log(f"  {total - existing} structures créées en {time.perf_counter() - started:.0f} s")


def _campaign(total):
    from datetime import date

    from django.utils import timezone

    from cdvs.participation.models import LAUREATE_STATUSES, Area, Campaign, Idea, Status
    from cdvs.territories.locate import locate
    from cdvs.territories.models import Territory

    commune = Territory.objects.get(kind="commune", code="59017")
    today = timezone.localdate()
    campaign, _ = Campaign.objects.get_or_create(
        name="[banc d'essai] Budget participatif",
        defaults=dict(territory=commune, deposit_opens_on=date(today.year, 1, 1),
                      deposit_closes_on=date(today.year, 12, 31), ends_on=date(today.year, 12, 31)),
    )  # fmt: skip
    existing = Idea.objects.filter(campaign=campaign).count()
    if existing >= total:
        return campaign
    lat, lon = _points(total, 2)
    locations = locate(list(zip(lat.tolist(), lon.tolist(), strict=True)))
    statuses = [Status.SUBMITTED, Status.ADMISSIBLE, Status.VOTE, *LAUREATE_STATUSES]
    now = timezone.now()
    ideas = Idea.objects.bulk_create(
        [Idea(campaign=campaign, title=f"Idée {i}", text="Un banc, un arbre, une fresque.",
              lat=float(lat[i]), lon=float(lon[i]), status=statuses[i % len(statuses)],
              area=Area.QPV if loc.qpv else Area.PAC if loc.pac else Area.ELSEWHERE,
              carriers_residence=["qpv", "pac", "ailleurs", ""][i % 4], confirmed_at=now)
         for i, loc in zip(range(existing, total), locations[existing:], strict=True)],
        batch_size=2000,
    )  # fmt: skip
    through = Idea.territories.through
    links = [
        through(idea_id=idea.pk, territory_id=t.id)
        for idea, loc in zip(ideas, locations[existing:], strict=True)
        for t in loc.qpv + loc.pac
    ]
    through.objects.bulk_create(links, batch_size=5000)
    return campaign


def _actors_meeting():
    """A public réunion des acteurs in a month (the page residents ask to attend from)."""
    from datetime import timedelta

    from django.utils import timezone

    from cdvs.meetings.models import Meeting, MeetingSeries
    from cdvs.territories.models import Territory

    commune = Territory.objects.get(kind="commune", code="59017")
    soon = timezone.localdate() + timedelta(30)
    series, _ = MeetingSeries.objects.get_or_create(
        name="[banc d'essai] Réunion des acteurs",
        defaults=dict(commune=commune, visibility="public", period_start=soon,
                      period_end=soon + timedelta(365)),
    )  # fmt: skip
    meeting = Meeting.objects.filter(series=series, day__gte=timezone.localdate()).first()
    if meeting is None:
        meeting = Meeting.objects.create(
            series=series, title="[banc d'essai] Réunion des acteurs", day=soon,
            window_start=soon, window_end=soon, sort_date=soon, visibility="public",
        )  # fmt: skip
    return meeting


def child() -> list[dict]:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cdvs.settings")
    import django

    django.setup()
    from django.conf import settings

    settings.ALLOWED_HOSTS = ["testserver"]
    from django.test import Client
    from django.urls import reverse

    from cdvs.participation.models import PUBLIC_STATUSES, Idea
    from cdvs.participation.services import idea_token

    _setup()
    _organisations(ORGS)
    campaign = _campaign(IDEAS)
    idea = Idea.objects.filter(campaign=campaign, status__in=PUBLIC_STATUSES).first()
    submitted = Idea.objects.filter(campaign=campaign, status="deposee").first()
    meeting = _actors_meeting()
    near = reverse("participation:near")
    pages = {
        "Accueil de la participation": [reverse("participation:index")],
        "Campagne et ses chiffres": [reverse("participation:campaign", args=[campaign.pk])],
        "Une idée publique": [reverse("participation:idea", args=[idea.pk])],
        "Déposer une idée (formulaire)": [reverse("participation:deposit", args=[campaign.pk])],
        "Près de chez moi (position)": [
            f"{near}?lat=50.688&lon=2.88",
            f"{near}?lat=50.70&lon=2.90",
            f"{near}?lat=50.675&lon=2.86",
        ],
        "Près de chez moi (formulaire)": [near],
        "Près de chez moi, facile à lire": [f"{near}?facile=1&lat=50.688&lon=2.88"],
        "Facile à lire": [reverse("participation:falc")],
        "Suivre son idée (lien reçu)": [
            reverse("participation:my_idea", args=[idea_token(submitted)])
        ],
        "Demander à participer à la réunion des acteurs": [
            reverse("participation:attend", args=[meeting.pk])
        ],
    }
    client = Client()
    reference = timed_pages(client, [reverse("core:health") + "?portee=web"], REQUESTS, warmup=5)
    ref_p95 = percentile(reference, 95)
    rows = [
        {
            "name": "Vue minimale de référence (santé) : p95",
            "value": round(ref_p95, 1),
            "unit": "ms",
            "target": "référence",
            "ok": True,
            "detail": f"médiane {fr_number(percentile(reference, 50))} ms ; charge de la "
            f"machine {fr_number(os.getloadavg()[0], 2)}",
        }
    ]
    for label, urls in pages.items():
        weight = max(len(client.get(u).content) for u in urls)
        cpu = []
        times = timed_pages(client, urls, REQUESTS, warmup=3, cpu=cpu)
        p95 = percentile(times, 95)
        rows.append(
            {
                "name": f"{label}, {fr_number(ORGS, 0)} structures, {fr_number(IDEAS, 0)} idées : p95",
                "value": round(p95, 1),
                "unit": "ms",
                "target": f"< {P95_MS} ms et < 150 Ko",
                "ok": p95 < P95_MS and weight < MAX_BYTES,
                "detail": f"médiane {fr_number(percentile(times, 50))} ms ; processeur p95 "
                f"{fr_number(percentile(cpu, 95))} ms ; {fr_number(weight / 1000)} Ko ; "
                f"référence p95 {fr_number(ref_p95)} ms",
            }
        )
    return rows


if __name__ == "__main__":
    result = child()
    sys.stdout.write(json.dumps(result) + "\n")
