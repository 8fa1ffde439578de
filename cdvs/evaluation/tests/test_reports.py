"""The annual report is frozen: changed figures later leave it identical."""

import io
import re
import zipfile
from decimal import Decimal

import pytest
from django.urls import reverse

from cdvs.evaluation.models import Measurement, Report

pytestmark = pytest.mark.django_db


def _content(response):
    """The page without its CSRF token (new on each request)."""
    return re.sub(r'value="[A-Za-z0-9]{64}"', "", response.content.decode())


def test_report_is_frozen(client, login, seeded):
    login("coordinateur")
    response = client.post(reverse("evaluation_coordination:reports"), {"year": 2025})
    report = Report.objects.get()
    assert response["Location"] == report.get_absolute_url()
    client.get(report.get_absolute_url())  # shows (and consumes) the success message
    page = _content(client.get(report.get_absolute_url()))
    assert "46,4\u00a0%" in page and "+ 11,3 pts" in page
    odt = client.get(reverse("evaluation:report_odt", args=[report.pk])).content
    Measurement.objects.filter(value=Decimal("46.4")).update(value=Decimal("50"))
    assert _content(client.get(report.get_absolute_url())) == page
    again = client.get(reverse("evaluation:report_odt", args=[report.pk])).content
    content = zipfile.ZipFile(io.BytesIO(again)).read("content.xml").decode()
    assert "46,4" in content and "50\u00a0%" not in content
    first = zipfile.ZipFile(io.BytesIO(odt)).read("content.xml").decode()
    # the same text (odfpy orders its namespace declarations as it likes)
    assert re.sub("<[^>]+>", "|", first) == re.sub("<[^>]+>", "|", content)
