"""The fiche form stays short: territories in a multi-select grouped by commune (with a
filter box), coordinates behind « Saisir des coordonnées », and opening hours edited as
a whole week on their own page, which one stays on after saving."""

import re

import pytest
from django.urls import reverse

from cdvs.core.tests.browser import (
    blocking,
    chromium,
    describe,
    new_page,
    requires_chromium,
    run_axe,
)
from cdvs.directory.models import OpeningSlot, Place
from cdvs.territories.models import Kind, Territory
from cdvs.testing import plain


def text(response):
    return plain(response.content.decode().replace("&#x27;", "'"))


@pytest.mark.django_db
def test_territories_grouped_by_commune_and_coordinates_folded(client, world, login):
    org = world.organisations["asso_arm"]
    login("membre")
    page = text(client.get(reverse("directory:edit", args=[org.pk])))
    assert 'type="checkbox" name="territories"' not in page
    select = re.search(r'<select name="territories".*?</select>', page, re.S).group(0)
    assert "multiple" in select
    group = re.search(r'<optgroup label="Armentières">(.*?)</optgroup>', select, re.S).group(1)
    assert "Route Nationale (QPV)" in group and "Salengro (PAC)" in group
    assert "Quartier de Lille" not in group
    assert select.index('label="Intercommunalités"') < select.index('label="Armentières"')
    assert "Filtrer la liste" in page
    details = re.search(r"<details.*?</details>", page, re.S).group(0)
    assert "Saisir des coordonnées" in details and 'name="lat"' in details
    response = client.post(
        reverse("directory:edit", args=[org.pk]),
        {
            "name": org.name,
            "kind": org.kind,
            "update_frequency_months": 6,
            "territories": [world.territories["qpv_arm"].pk, world.territories["lille"].pk],
        },
    )
    assert response.status_code == 302
    assert set(org.territories.values_list("code", flat=True)) == {"QN05901M", "59350"}


def week_rows(page):
    slots = page.split("<h2>Fermetures")[0]
    return re.findall(r'<fieldset class="hours-row">\s*<legend>(.*?)</legend>', slots)


@pytest.mark.django_db
def test_a_whole_week_on_one_page_without_growing_rows(client, world, login):
    place = Place.objects.create(organisation=world.organisations["asso_arm"], name="Accueil")
    url = reverse("directory:place_hours", args=[place.pk])
    login("membre")
    rows = week_rows(text(client.get(url)))
    assert rows[:7] == [f"{d} : aucun créneau" for d in (
        "Lundi", "Mardi", "Mercredi", "Jeudi", "Vendredi", "Samedi", "Dimanche")]  # fmt: skip
    assert len(rows) == 8  # and one spare row
    # the page as a browser sends it: every row, two of them filled
    data = {"slots-TOTAL_FORMS": 8, "slots-INITIAL_FORMS": 0, "exceptions-TOTAL_FORMS": 0,
            "exceptions-INITIAL_FORMS": 0}  # fmt: skip
    for i in range(7):
        data[f"slots-{i}-weekday"] = str(i)
    data.update({"slots-1-start": "09:00", "slots-1-end": "12:00"})
    data.update({"slots-7-weekday": "1", "slots-7-start": "14:00", "slots-7-end": "17:00"})
    response = client.post(url, data, follow=True)
    ctx = response.context
    errors = (
        response.status_code,
        ctx["slots"].non_form_errors(),
        ctx["exceptions"].errors,
        ctx["holidays_form"].errors,
        [f.errors for f in ctx["slots"].forms],
    )
    assert response.redirect_chain == [(url, 302)], errors  # one stays on the page
    page = text(response)
    assert "Horaires enregistrés." in page
    assert sorted(OpeningSlot.objects.values_list("weekday", "start__hour")) == [(1, 9), (1, 14)]
    rows = week_rows(page)
    assert len(rows) == 9  # 2 Tuesday slots, 6 empty days, the one spare row
    assert rows[1].startswith("Le mardi") and rows[2].startswith("Le mardi")
    assert "Mardi : aucun créneau" not in rows
    # saving again, unchanged: still the same rows
    again = text(client.get(url))
    assert len(week_rows(again)) == 9 and OpeningSlot.objects.count() == 2


@requires_chromium
@pytest.mark.django_db(transaction=True)
def test_fiche_form_is_short_and_the_filter_works(live_server, client):
    from cdvs.core.tests.test_accessibility import coordinator_cookie
    from cdvs.directory.models import Organisation

    epci = Territory.objects.create(kind=Kind.EPCI, code="200093201", name="MEL")
    for c in range(20):
        commune = Territory.objects.create(
            kind=Kind.COMMUNE, code=f"59{c:03d}", name=f"Commune {c}", parent=epci
        )
        for q in range(5):
            Territory.objects.create(
                kind=Kind.QPV, code=f"QN{c:03d}{q}", name=f"Quartier {c}-{q}", parent=commune
            )
    cookie = coordinator_cookie(client, live_server)
    org = Organisation.objects.get(pk=cookie["organisation"])
    with chromium() as browser:
        page = new_page(browser, cookies=[{k: cookie[k] for k in ("name", "value", "url")}])
        page.goto(live_server.url + reverse("directory:edit", args=[org.pk]))
        height = page.evaluate("document.documentElement.scrollHeight")
        assert height < 4000, height  # was 7 945 px with 130 checkboxes
        assert not page.is_visible("#id_lat")  # folded
        page.fill("#id_territories_filtre", "quartier 7-")
        visible = page.evaluate(
            "[...document.querySelectorAll('#id_territories option')]"
            ".filter(o => !o.hidden).map(o => o.textContent)"
        )
        assert sorted(visible) == [f"Quartier 7-{q} (QPV)" for q in range(5)]
        violations = blocking(run_axe(page)["violations"])
        assert not violations, describe(violations)
        page.click("summary")
        assert page.is_visible("#id_lat")
