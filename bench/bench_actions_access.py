"""Who reads an action (cdvs/actions/access.py) at generated scale: the list of actions
and the actions API for a coordinator of one commune (their volet, plus the public
actions of the others) and for the public, beside the same list for an administrator
(who reads everything, no condition) measured in the same run as the reference.

Runs in a child process on its own SQLite database under var/bench-actions-access,
built as bench_actions builds its own (territories, contract, BENCH_ACTIONS generated
actions with 4 funding lines and one decided request each, fixed seed); then the
actions are spread over two volets (Armentières, Lille), one in four left a projet,
and the programmation 2025 is arrêtée, so that most actions are public.

Environment: BENCH_ACTIONS (5000), BENCH_ACTIONS_REQUESTS (per page, 20).
"""

import json
import os
from datetime import date

from bench import BASE_DIR, fr_number, log_in, percentile, run_in_child, timed_pages

VAR_DIR = BASE_DIR / "var" / "bench-actions-access"


def run() -> list[dict]:
    return run_in_child("bench.bench_actions_access", VAR_DIR)


def _volets(total: int):
    """Half the actions in Armentières, half in Lille; one in four a projet."""
    from cdvs.actions.models import Action, Programmation
    from cdvs.territories.models import Territory

    arm = Territory.objects.get(kind="commune", code="59017")
    lille = Territory.objects.get(kind="commune", code="59350")
    if not Action.objects.filter(commune__isnull=True).exists():
        return arm
    pks = list(Action.objects.order_by("pk").values_list("pk", flat=True))
    # bench data only: bulk updates, no history
    Action.objects.filter(pk__in=pks[::2]).update(commune=arm)
    Action.objects.filter(pk__in=pks[1::2]).update(commune=lille)
    Action.objects.filter(pk__in=pks[::4]).update(status="projet")
    Programmation.objects.filter(year=2025).update(decided_on=date(2025, 3, 15))
    return arm


def child() -> list[dict]:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cdvs.settings")
    import django

    django.setup()
    from django.conf import settings

    settings.ALLOWED_HOSTS = ["testserver"]
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.urls import reverse

    from bench.bench_actions import ACTIONS, REQUESTS, _generate, _setup
    from cdvs.accounts.models import Membership
    from cdvs.directory.models import Organisation

    _setup()
    _contract, _programmation, total = _generate(ACTIONS)
    arm = _volets(total)
    users = get_user_model().objects
    admin = users.filter(email="bench-access-admin@example.org").first()
    if admin is None:
        admin = users.create_superuser("bench-access-admin@example.org", "x")
    coordinator = users.filter(email="bench-access-arm@example.org").first()
    if coordinator is None:
        coordinator = users.create_user("bench-access-arm@example.org", "x")
        service = Organisation.objects.create(
            name="Service politique de la ville (banc d'essai)", kind="service_ville", territory=arm
        )
        Membership.objects.create(user=coordinator, organisation=service, role="coordinateur")
    clients = {}
    for name, user in (("admin", admin), ("coordinator", coordinator), ("public", None)):
        clients[name] = Client()
        if user is not None:
            log_in(clients[name], user)
    cases = [
        ("référence : liste des actions, administrateur", "admin", reverse("actions:list")),
        ("liste des actions, coordination d'Armentières", "coordinator",
         reverse("actions:list")),
        ("API /api/actions, coordination d'Armentières", "coordinator",
         reverse("api:actions") + "?limit=100"),
        ("API /api/actions, public", "public", reverse("api:actions") + "?limit=100"),
    ]  # fmt: skip
    rows = []
    for label, who, url in cases:
        times = timed_pages(clients[who], [url], REQUESTS)
        p95 = percentile(times, 95)
        rows.append({
            "name": f"Plan d'actions, {label}, {fr_number(total, 0)} actions : p95",
            "value": round(p95, 1), "unit": "ms", "target": "< 150 ms", "ok": p95 < 150,
            "detail": f"médiane {fr_number(percentile(times, 50))} ms sur {len(times)} "
                      f"requêtes, SQLite ; charge de la machine {fr_number(os.getloadavg()[0], 2)}",
        })  # fmt: skip
    return rows


if __name__ == "__main__":
    print(json.dumps(child()))
