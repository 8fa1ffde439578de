"""The figures API answers what the campaign page shows, never a depositor."""

from cdvs.participation.models import Status

from .conftest import ELSEWHERE, QPV_IN
from .test_figures import idea


def test_figures_api_gives_the_campaign_figures(client, campaign):
    first = idea(campaign, QPV_IN, status=Status.LAUREATE)
    first.email = "habitant@example.org"
    first.save()
    idea(campaign, ELSEWHERE)
    response = client.get(f"/api/participation/campagnes/{campaign.pk}/chiffres")
    assert response.status_code == 200
    data = response.json()
    rows = {r["label"]: r for r in data["rows"]}
    assert (rows["QPV Route Nationale"]["deposited"], rows["QPV Route Nationale"]["laureates"]) == (
        1,
        1,
    )
    assert rows["QPV Route Nationale"]["deposited_share"] == "50,0\u202f%"
    assert rows["Total"]["deposited"] == 2
    assert data["carriers"] is None
    assert "habitant@example.org" not in response.content.decode()


def test_figures_api_unknown_campaign_is_404(client, db):
    response = client.get("/api/participation/campagnes/999999/chiffres")
    assert response.status_code == 404
