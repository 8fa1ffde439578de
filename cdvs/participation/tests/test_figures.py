"""Figures of a campaign, exact (Fractions), on ideas placed on both sides of the edge
the QPV and the PAC made for the tests share."""

from fractions import Fraction

import pytest
from django.urls import reverse
from django.utils import timezone

from cdvs.participation import figures, services
from cdvs.participation.models import Area, Idea, Residence, Status

from .conftest import ELSEWHERE, ON_EDGE, PAC_IN, QPV_IN


def idea(campaign, point, *, status=Status.SUBMITTED, residence="", confirmed=True, title="Idée"):
    obj = Idea(campaign=campaign, title=title, text="Un banc", lat=point[0], lon=point[1],
               carriers_residence=residence, email="habitant@example.org")  # fmt: skip
    ids = services.classify(obj)
    obj.confirmed_at = timezone.now() if confirmed else None
    obj.status = status
    obj.save()
    obj.territories.set(ids)
    return obj


def test_classification_on_each_side_of_the_edge(campaign, places):
    assert idea(campaign, QPV_IN).area == Area.QPV
    assert idea(campaign, PAC_IN).area == Area.PAC
    assert idea(campaign, ELSEWHERE).area == Area.ELSEWHERE
    on_edge = idea(campaign, ON_EDGE)
    # a point on the edge is inside both perimeters: counted in each, classified QPV
    assert on_edge.area == Area.QPV
    assert set(on_edge.territories.values_list("pk", flat=True)) == {
        places["qpv_arm"].pk,
        places["pac_arm"].pk,
    }


def test_counts_and_shares_are_exact(campaign, places, django_assert_max_num_queries):
    idea(campaign, QPV_IN, status=Status.LAUREATE)
    idea(campaign, QPV_IN)
    idea(campaign, PAC_IN, status=Status.DONE)
    idea(campaign, PAC_IN, status=Status.INADMISSIBLE)
    idea(campaign, ELSEWHERE, status=Status.LAUREATE)
    idea(campaign, ELSEWHERE)
    idea(campaign, QPV_IN, confirmed=False)  # never confirmed: not counted
    with django_assert_max_num_queries(5):
        rows = {r.label: r for r in figures.campaign_rows(campaign)}
    qpv = rows["QPV Route Nationale"]
    assert (qpv.deposited, qpv.laureates) == (2, 1)
    assert qpv.deposited_share == Fraction(1, 3)
    assert qpv.laureate_share == Fraction(1, 3)
    assert figures.percent(qpv.deposited_share) == "33,3\u202f%"
    pac = rows["PAC Salengro"]
    assert (pac.deposited, pac.laureates, pac.laureate_share) == (2, 1, Fraction(1, 3))
    assert rows["Ailleurs"].deposited == 2
    assert (rows["Total"].deposited, rows["Total"].laureates) == (6, 3)
    # the QPV of Lille spanning Armentières is listed too, without idea
    assert rows["QPV Quartier de Lille"].deposited == 0
    assert rows["QPV Quartier de Lille"].deposited_share == 0


def test_percent_rounds_half_up():
    assert figures.percent(Fraction(1, 8)) == "12,5\u202f%"
    assert figures.percent(Fraction(1, 16)) == "6,3\u202f%"  # 6.25 → 6.3
    assert figures.percent(Fraction(2, 3)) == "66,7\u202f%"
    assert figures.percent(None) == "—"


@pytest.mark.parametrize(("qpv", "others", "reached"), [(2, 9, True), (1, 5, False), (9, 41, True)])
def test_mel_share_of_selected_projects_carried_by_qpv_residents(
    mel_campaign, qpv, others, reached
):
    for _ in range(qpv):
        idea(mel_campaign, ELSEWHERE, status=Status.LAUREATE, residence=Residence.QPV)
    for _ in range(others):
        idea(mel_campaign, QPV_IN, status=Status.LAUREATE, residence=Residence.ELSEWHERE)
    idea(mel_campaign, QPV_IN, residence=Residence.QPV)  # not selected: not counted
    figure = figures.carriers_figure(mel_campaign)
    assert figure.share == Fraction(qpv, qpv + others)
    assert figure.target == Fraction(18, 100)
    assert figure.reached is reached


def test_campaign_page_and_export_show_figures_never_depositors(client, mel_campaign):
    idea(mel_campaign, QPV_IN, status=Status.LAUREATE, residence=Residence.QPV, title="Jardin")
    idea(mel_campaign, QPV_IN, status=Status.SUBMITTED, title="Secrète")
    page = client.get(reverse("participation:campaign", args=[mel_campaign.pk])).content.decode()
    assert "Jardin" in page and "Secrète" not in page  # not yet examined: not public
    assert "au moins 18\u202f%" in page and "(atteint)" in page
    assert "habitant@example.org" not in page
    for fmt in ("csv", "ods", "xlsx"):
        response = client.get(reverse("participation:export", args=[mel_campaign.pk, fmt]))
        assert response.status_code == 200
        assert b"habitant@example.org" not in response.content
    csv = client.get(reverse("participation:export", args=[mel_campaign.pk, "csv"]))
    text = csv.content.decode("utf-8-sig")
    assert "QPV Route Nationale" in text and "100,0" in text


def test_cached_figures_follow_every_new_idea(campaign):
    rows, carriers = figures.cached_figures(campaign)
    assert rows[-1].deposited == 0 and carriers is None
    idea(campaign, QPV_IN)
    rows, _ = figures.cached_figures(campaign)
    assert rows[-1].deposited == 1
