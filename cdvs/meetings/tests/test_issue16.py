"""What a coordinator met on the agenda (issue 16): nothing typed is lost, the agenda
can be reordered, dates in the past are confirmed, overdue placeholders say so."""

import pytest
from django.urls import reverse

from cdvs.meetings.models import Minutes

pytestmark = pytest.mark.usefixtures("frozen")


def _minutes_url(meeting):
    return reverse("meetings_coordination:minutes", args=[meeting.pk])


def test_preview_renders_the_markdown_and_saves_nothing(client, agenda, login):
    login("coordinateur")
    point = agenda.meeting(agenda.point, "2025-01")
    response = client.post(
        _minutes_url(point),
        {"body": "## Bilan\n\nLe **CCAS** présente", "decisions": "", "action": "previsualiser"},
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "Aperçu du compte-rendu" in body and "<strong>CCAS</strong>" in body
    assert "## Bilan" in body  # the form keeps the text
    assert not Minutes.objects.filter(meeting=point).exists()


def test_publish_saves_the_posted_text_and_keeps_each_version(client, agenda, login):
    login("coordinateur")
    point = agenda.meeting(agenda.point, "2025-01")
    client.post(_minutes_url(point), {"body": "Brouillon", "decisions": ""})
    client.post(_minutes_url(point), {"body": "Version 1", "decisions": "", "action": "publier"})
    minutes = Minutes.objects.get(meeting=point)
    assert minutes.body == "Version 1" and minutes.is_published
    # the publish address too saves what the form holds
    client.post(
        reverse("meetings_coordination:publish_minutes", args=[point.pk]),
        {"body": "Version 2", "decisions": ""},
    )
    minutes.refresh_from_db()
    assert minutes.body == "Version 2"
    published = minutes.history.filter(history_change_reason="Publication du compte-rendu")
    assert sorted(published.values_list("body", flat=True)) == ["Version 1", "Version 2"]
    page = client.get(reverse("meetings_coordination:history", args=[point.pk])).content.decode()
    assert page.count("Publication du compte-rendu") >= 2


def test_publish_with_html_saves_nothing(client, agenda, login):
    login("coordinateur")
    point = agenda.meeting(agenda.point, "2025-01")
    client.post(_minutes_url(point), {"body": "Brouillon", "decisions": ""})
    response = client.post(
        _minutes_url(point), {"body": "<script>x</script>", "decisions": "", "action": "publier"}
    )
    assert "code HTML" in response.content.decode()
    minutes = Minutes.objects.get(meeting=point)
    assert minutes.body == "Brouillon" and not minutes.is_published
