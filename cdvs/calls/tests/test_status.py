"""Status computed at the current date, as queryset methods and on each call."""

from datetime import date, timedelta

import pytest

from cdvs.calls.models import CallForProjects, Recurrence, Status, current_session, sessions
from cdvs.testing import make_call

pytestmark = pytest.mark.django_db


def _titles(qs):
    return sorted(qs.values_list("title", flat=True))


@pytest.fixture
def calls(frozen):
    # today: 15 January 2025
    make_call("à venir", opens_on=date(2025, 2, 1), closes_on=date(2025, 3, 1))
    make_call("ouvert", opens_on=date(2025, 1, 1), closes_on=date(2025, 3, 1))
    make_call("ferme dans 15 jours", opens_on=date(2025, 1, 1), closes_on=date(2025, 1, 30))
    make_call("ferme dans 16 jours", opens_on=date(2025, 1, 1), closes_on=date(2025, 1, 31))
    make_call("ferme aujourd'hui", opens_on=date(2025, 1, 1), closes_on=date(2025, 1, 15))
    make_call("clos hier", opens_on=date(2024, 12, 1), closes_on=date(2025, 1, 14))
    make_call("au fil de l'eau", opens_on=date(2024, 6, 1), closes_on=None)
    # yearly: sessions 1 Feb - 31 Mar each year since 2023 -> between sessions now
    make_call(
        "annuel entre deux sessions",
        opens_on=date(2023, 2, 1),
        closes_on=date(2023, 3, 31),
        recurrence=Recurrence.YEARLY,
    )
    # yearly: sessions 10 Jan - 20 Jan since 2022 -> current session closes in 5 days
    make_call(
        "annuel en cours",
        opens_on=date(2022, 1, 10),
        closes_on=date(2022, 1, 20),
        recurrence=Recurrence.YEARLY,
    )
    # yearly but its last session was in 2024
    make_call(
        "annuel terminé",
        opens_on=date(2022, 2, 1),
        closes_on=date(2022, 3, 1),
        recurrence=Recurrence.YEARLY,
        recurrence_until=date(2024, 12, 31),
    )
    return CallForProjects.objects


def test_querysets_at_the_current_date(calls):
    assert _titles(calls.upcoming()) == ["annuel entre deux sessions", "à venir"]
    assert _titles(calls.closing_soon()) == [
        "annuel en cours",
        "ferme aujourd'hui",
        "ferme dans 15 jours",
    ]
    assert _titles(calls.open()) == [
        "annuel en cours",
        "au fil de l'eau",
        "ferme aujourd'hui",
        "ferme dans 15 jours",
        "ferme dans 16 jours",
        "ouvert",
    ]
    assert _titles(calls.closed()) == ["annuel terminé", "clos hier"]
    assert calls.active().count() == calls.count() - 2


def test_status_of_each_call_agrees_with_the_querysets(calls):
    by_status = {s: set(calls.with_status(s).values_list("pk", flat=True)) for s in Status.values}
    for call in calls.all():
        status = call.status()
        assert call.pk in by_status[status], (call.title, status)
        assert sum(call.pk in ids for ids in by_status.values()) == 1, call.title


def test_time_moves_the_status(calls, time_machine):
    assert calls.get(title="à venir").status() == Status.UPCOMING
    time_machine.move_to("2025-02-14 09:00:00+01:00", tick=False)
    assert calls.get(title="à venir").status() == Status.CLOSING_SOON
    assert "à venir" in _titles(calls.closing_soon())
    time_machine.move_to("2025-03-02 09:00:00+01:00", tick=False)
    assert calls.get(title="à venir").status() == Status.CLOSED
    assert "à venir" in _titles(calls.closed())
    # the yearly call follows its 2025 session
    assert calls.get(title="annuel entre deux sessions").status() == Status.OPEN
    assert "annuel entre deux sessions" in _titles(calls.open())


def test_recurrence_yields_the_next_sessions():
    found = list(sessions(date(2024, 1, 31), date(2024, 2, 29), Recurrence.QUARTERLY))[:3]
    assert [(s.opens_on, s.closes_on) for s in found] == [
        (date(2024, 1, 31), date(2024, 2, 29)),
        (date(2024, 4, 30), date(2024, 5, 29)),
        (date(2024, 7, 31), date(2024, 8, 29)),
    ]
    session = current_session(
        date(2023, 2, 1), date(2023, 3, 31), Recurrence.YEARLY, None, date(2025, 4, 1)
    )
    assert (session.opens_on, session.closes_on) == (date(2026, 2, 1), date(2026, 3, 31))


def test_deleted_calls_are_nowhere(calls):
    call = calls.get(title="ouvert")
    call.soft_delete()
    assert "ouvert" not in _titles(CallForProjects.objects.open())
    assert CallForProjects.all_objects.filter(pk=call.pk).exists()


def test_closing_soon_boundary_is_fifteen_days(frozen):
    today = date(2025, 1, 15)
    make_call("limite", opens_on=today, closes_on=today + timedelta(days=15))
    make_call("au-delà", opens_on=today, closes_on=today + timedelta(days=16))
    assert _titles(CallForProjects.objects.closing_soon()) == ["limite"]


@pytest.mark.parametrize("recurrence", ["annuelle", "semestrielle", "trimestrielle"])
def test_fast_current_session_agrees_with_walking_the_sessions(recurrence):
    import random

    rng = random.Random(7)
    for _ in range(300):
        opens = date(2020, 1, 1) + timedelta(days=rng.randint(0, 2000))
        closes = opens + timedelta(days=rng.randint(0, 80))
        until = rng.choice([None, opens + timedelta(days=rng.randint(0, 2500))])
        today = date(2020, 1, 1) + timedelta(days=rng.randint(0, 4000))
        expected, last = None, None
        for session in sessions(opens, closes, recurrence, until):
            if session.closes_on >= today:
                expected = session
                break
            last = session
        assert current_session(opens, closes, recurrence, until, today) == (expected or last)


def test_add_months_clamps_like_relativedelta():
    from dateutil.relativedelta import relativedelta

    from cdvs.calls.models import add_months

    for start in (date(2024, 1, 31), date(2023, 8, 31), date(2024, 2, 29), date(2025, 12, 15)):
        for n in range(0, 40):
            assert add_months(start, n) == start + relativedelta(months=n)


def test_recurring_status_cache_follows_edits_trash_and_restore(frozen):
    from cdvs.calls import services

    call = make_call("Annuel", opens_on=date(2023, 1, 10), closes_on=date(2023, 1, 20),
                     recurrence=Recurrence.YEARLY)  # fmt: skip
    assert _titles(CallForProjects.objects.closing_soon()) == ["Annuel"]
    services.update_call(call, {"opens_on": date(2023, 2, 1), "closes_on": date(2023, 3, 1)})
    assert _titles(CallForProjects.objects.closing_soon()) == []
    assert _titles(CallForProjects.objects.upcoming()) == ["Annuel"]
    call.soft_delete()
    assert _titles(CallForProjects.objects.upcoming()) == []
    call.restore()
    assert _titles(CallForProjects.objects.upcoming()) == ["Annuel"]
