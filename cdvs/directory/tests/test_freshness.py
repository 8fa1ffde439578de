"""Freshness: the daily reminder to the members of a fiche due for update (once per
due period, with the « marquer comme à jour » and edit links), the confirmation page
the link opens, the coordinators' lists (counts, territory filter, exports)."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from cdvs.directory.models import FreshnessReminder, Organisation


@pytest.fixture
def fiches(world):
    now = timezone.now()
    Organisation.objects.update(last_confirmed_at=now)
    asso = world.organisations["asso_arm"]
    # due: confirmed 7 months ago, every 6 months (members: porteur, membre)
    Organisation.objects.filter(pk=asso.pk).update(
        last_confirmed_at=now - datetime.timedelta(days=213)
    )
    # due and nobody to remind
    orphan = world.organisations["no_territory"]
    Organisation.objects.filter(pk=orphan.pk).update(last_confirmed_at=None)
    return asso, orphan


def run():
    out = io.StringIO()
    call_command("send_freshness_reminders", stdout=out)
    return out.getvalue()


def test_members_are_reminded_once_per_due_period(
    client, world, fiches, immediate_tasks, mailoutbox
):
    asso, orphan = fiches
    output = run()
    assert "2 courriel(s) mis en file pour 1 fiche(s)" in output
    assert "1 fiche(s) sans membre" in output
    assert sorted(to for m in mailoutbox for to in m.to) == [
        "membre@example.org",
        "porteur@example.org",
    ]
    message = mailoutbox[0]
    assert message.subject == "Fiche à mettre à jour\u202f: Centre social du Bizet"
    assert "Mise à jour il y a 6 mois".lower() in message.body
    confirm = reverse("directory:confirm", args=[asso.pk])
    assert confirm in message.body and reverse("directory:edit", args=[asso.pk]) in message.body
    assert FreshnessReminder.objects.get().recipients == 2
    # the next day: nothing new
    mailoutbox.clear()
    assert "0 courriel(s)" in run() and mailoutbox == []
    # the link opens a confirmation page; confirming starts a new period
    client.force_login(world.users["porteur"])
    page = client.get(confirm)
    assert page.status_code == 200 and "Marquer comme à jour" in page.content.decode()
    assert client.post(confirm).status_code == 302
    asso.refresh_from_db()
    assert not asso.is_stale()
    assert run().startswith("0 courriel(s)")
    # due again 7 months later: reminded again
    later = timezone.now() + datetime.timedelta(days=214)
    from cdvs.directory.freshness import send_reminders

    assert send_reminders(later).emails >= 2
    assert FreshnessReminder.objects.filter(organisation=asso).count() == 2


def test_coordinators_see_stale_and_orphaned_lists_filtered_and_exported(
    client, world, fiches, django_assert_max_num_queries
):
    asso, orphan = fiches
    url = reverse("directory_coordination:stale")
    client.force_login(world.users["coordinateur"])
    run()
    with django_assert_max_num_queries(15):
        page = client.get(url).content.decode()
    assert "Fiches non confirmées dans leur délai (2)" in page
    assert "Fiches sans membre pour les tenir à jour (1)" in page
    assert asso.name in page and "allocations familiales" in page
    assert "Association lilloise" not in page
    filtered = client.get(url, {"territory": world.territories["lille"].pk}).content.decode()
    assert asso.name not in filtered and "Fiches non confirmées dans leur délai (0)" in filtered
    inside = client.get(url, {"territory": world.territories["armentieres"].pk}).content.decode()
    assert asso.name in inside and "allocations familiales" not in inside
    assert "Fiches non confirmées dans leur délai (1)" in inside
    response = client.get(reverse("directory_coordination:stale_export", args=["csv"]))
    text = response.content.decode("utf-8-sig")
    assert "Centre social du Bizet" in text and "Sans membre" in text and "À mettre à jour" in text
    for fmt in ("ods", "xlsx"):
        assert (
            client.get(reverse("directory_coordination:stale_export", args=[fmt])).status_code
            == 200
        )
    client.force_login(world.users["porteur"])
    assert client.get(url).status_code == 403


def test_fiche_shows_how_long_ago_it_was_updated(client, world, fiches):
    asso, _ = fiches
    page = client.get(asso.get_absolute_url()).content.decode()
    assert "Mise à jour il y a 6 mois" in page
