"""The one visibility mechanism (`cdvs.accounts.visibility`): every model with a
``visibility`` column is `Visible` and filters with ``objects.visible_to(user)``."""

from datetime import date, timedelta

from django.apps import apps
from django.contrib.auth.models import AnonymousUser

from cdvs.accounts import permissions as p
from cdvs.accounts.permissions import readable_condition
from cdvs.accounts.visibility import Visible, VisibleQuerySet
from cdvs.calls.models import CallForProjects
from cdvs.meetings.models import Meeting, MeetingSeries
from cdvs.search.models import SearchEntry

DAY = date(2026, 3, 2)


def test_every_model_with_a_visibility_is_visible():
    models = [
        m
        for m in apps.get_models()
        if "visibility" in {f.name for f in m._meta.get_fields()}
        and not m.__name__.startswith("Historical")
    ]
    assert len(models) >= 6
    for model in models:
        assert issubclass(model, Visible), model
        field = model._meta.get_field("visibility")
        assert field.max_length == 20 and field.choices == p.Visibility.choices, model
        for manager in ("objects", "all_objects"):
            if hasattr(model, manager):
                assert isinstance(getattr(model, manager).all(), VisibleQuerySet), model


def test_visible_to_follows_the_role(world):
    for level in p.Visibility.values:
        CallForProjects.objects.create(
            title=level, visibility=level, opens_on=DAY, closes_on=DAY + timedelta(days=30)
        )
    titles = {
        role: set(CallForProjects.objects.visible_to(user).values_list("title", flat=True))
        for role, user in [("anonyme", AnonymousUser()), *world.users.items()]
    }
    assert titles["anonyme"] == titles["sans_role"] == {"public"}
    assert titles["porteur"] == titles["membre"] == {"public", "partenaires"}
    assert titles["coordinateur"] == titles["administrateur"] == set(p.Visibility.values)
    for call in CallForProjects.objects.all():
        for role, user in world.users.items():
            assert call.is_visible_to(user) == (call.title in titles[role])


def test_readable_condition_reaches_a_related_visibility(world):
    series = MeetingSeries.objects.create(
        name="Comité", visibility="public", period_start=DAY, period_end=DAY
    )
    dates = {"day": DAY, "window_start": DAY, "window_end": DAY, "sort_date": DAY}
    hidden = Meeting.objects.create(
        series=series, title="Interne", visibility="coordination", **dates
    )
    shown = Meeting.objects.create(
        series=series, title="Ouverte", visibility="partenaires", **dates
    )
    member = world.users["membre"]
    assert list(Meeting.objects.filter(readable_condition(member, Meeting)).order_by("pk")) == [
        shown
    ]
    assert list(Meeting.objects.visible_to(member)) == [shown]
    assert hidden.is_visible_to(world.users["coordinateur"])
    assert list(MeetingSeries.objects.visible_to(None)) == [series]


def test_search_entries_keep_the_coordination_scope(world):
    entry = SearchEntry.objects.create(
        kind="test", object_id=1, title="Note", url="/", visibility="coordination",
        scope_territory=world.territories["lille"],
    )  # fmt: skip
    coordinator = world.users["coordinateur"]  # of Armentières: not Lille's
    tests = SearchEntry.objects.filter(kind="test")
    assert not tests.visible_to(coordinator).exists()
    assert not entry.is_visible_to(coordinator)
    assert entry.is_visible_to(world.users["administrateur"])
    assert list(SearchEntry.objects.visible_to(coordinator).order_by("pk")) == list(
        p.filter_searchable(coordinator, SearchEntry.objects.order_by("pk"))
    )
