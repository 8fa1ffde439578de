"""The evaluation's pages pass axe-core without serious or critical violation, on the
territories, the contract and the seed's evidence loaded by the product's loaders."""

import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from cdvs.core.tests.browser import requires_chromium
from cdvs.core.tests.test_accessibility import audit, coordinator_cookie, load_reference_data

pytestmark = [requires_chromium, pytest.mark.django_db(transaction=True)]


def test_evaluation_pages_have_no_serious_axe_violation(live_server, client):
    from cdvs.evaluation.models import Indicator, Measurement
    from cdvs.territories.models import Territory

    load_reference_data()
    call_command("load_evaluation", stdout=io.StringIO())
    cookie = coordinator_cookie(client, live_server)
    arm = Territory.objects.get(kind="commune", code="59017")
    indicator = Indicator.objects.get(code="moins-25-ans")
    measurement = Measurement.objects.filter(indicator=indicator, territory__kind="qpv").first()
    from cdvs.evaluation import reports
    from cdvs.evaluation.models import Report

    report = Report.objects.create(
        year=2025, title="Rapport annuel 2025", snapshot=reports.snapshot(2025)
    )
    pages = {
        "evaluation-rapport": reverse("evaluation:report", args=[report.pk]),
        "evaluation-rapports": reverse("evaluation_coordination:reports"),
        "evaluation-accueil": reverse("evaluation:index"),
        "evaluation-diagnostic": reverse("evaluation:diagnostic", args=[arm.pk]),
        "evaluation-panorama": reverse("evaluation:panorama"),
        "evaluation-indicateurs": reverse("evaluation:indicators"),
        "evaluation-indicateur": reverse("evaluation:indicator", args=[indicator.pk]),
        "evaluation-cibles": reverse("evaluation:targets"),
        "evaluation-mesure": reverse("evaluation_coordination:add_measurement"),
        "evaluation-import": reverse("evaluation_coordination:import"),
        "evaluation-historique": reverse("evaluation_coordination:history", args=[measurement.pk]),
    }
    failures = audit(live_server, pages, cookies=[cookie])
    assert not failures, "\n\n".join(failures)
