"""In a real browser (headless Chromium): the coordinator draws a council's perimeter
by clicking on the map, drags a vertex, and saves; the GeoJSON the script wrote is what
the server stores. axe-core finds no serious violation on the page."""

import json

import pytest
import shapely
from django.urls import reverse

from cdvs.core.tests.browser import (
    blocking,
    chromium,
    describe,
    new_page,
    requires_chromium,
    run_axe,
)
from cdvs.participation.models import Council

pytestmark = [requires_chromium, pytest.mark.django_db(transaction=True)]


def test_drawing_a_perimeter_on_the_map(live_server, client, places, world):
    council = Council.objects.create(commune=places["armentieres"], name="Conseil du centre")
    client.force_login(world.users["coordinateur"])
    cookie = {"name": "sessionid", "value": client.cookies["sessionid"].value,
              "url": live_server.url}  # fmt: skip
    url = live_server.url + reverse("participation_coordination:edit_council", args=[council.pk])
    with chromium() as browser:
        page = new_page(browser, width=1280, height=900, cookies=[cookie])
        page.goto(url, wait_until="load")
        box = page.locator("#territory-map").bounding_box()
        cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        for dx, dy in ((-60, -40), (60, -40), (60, 40), (-60, 40)):
            page.mouse.click(cx + dx, cy + dy)
        drawn = json.loads(page.locator("#draw-geojson").input_value())
        assert drawn["type"] == "Polygon" and len(drawn["coordinates"][0]) == 5
        assert "4 sommets" in page.locator("#draw-status").inner_text()
        # drag the last vertex a little further out
        page.mouse.move(cx - 60, cy + 40)
        page.mouse.down()
        page.mouse.move(cx - 80, cy + 60, steps=5)
        page.mouse.up()
        moved = json.loads(page.locator("#draw-geojson").input_value())
        assert moved["coordinates"][0][3] != drawn["coordinates"][0][3]
        serious = blocking(run_axe(page)["violations"])
        assert not serious, describe(serious)
        page.get_by_role("button", name="Enregistrer").click()
        page.wait_for_load_state("load")
        assert not page.console_messages_seen, page.console_messages_seen
    council.refresh_from_db()
    stored = shapely.from_geojson(council.geometry)
    assert stored.equals(shapely.from_geojson(json.dumps(moved)))
    assert shapely.from_geojson(places["armentieres"].geometry).contains(stored)
