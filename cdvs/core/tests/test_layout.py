"""Every page reflows: at 320 px wide nothing scrolls sideways (WCAG 1.4.10), the main
menu folds behind a « Menu » button on small screens, and axe-core finds no serious or
critical violation at 1 280 and 390 px.

The pages are those of the contract's data as the product loads it (territories,
contract, organisations, instances), plus a call for projects and the pages of a
logged-in coordinator. Screenshots at 320 px go to var/screenshots/ (`*-320.png`).
"""

import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from .browser import (
    blocking,
    chromium,
    describe,
    horizontal_overflow,
    new_page,
    requires_chromium,
    run_axe,
    screenshot,
)
from .test_accessibility import _sample_call, coordinator_cookie, public_pages

pytestmark = [requires_chromium, pytest.mark.django_db(transaction=True)]

NARROW = 320
# the text people read (not the fields they type in) has no ordinary space before : ; ? !
PUNCTUATION_JS = r"""() => {
  const found = document.body.innerText.match(/\S {1}[:;?!](?=\s|$)/gm) || [];
  return found.slice(0, 5).join(" | ");
}"""
LOADERS = ["load_territories", "load_contract", "load_directory", "load_meetings"]


def load_seed():
    for name in LOADERS:
        call_command(name, verbosity=0, stdout=io.StringIO())


def seed_pages() -> dict[str, str]:
    """The main public pages, with the lists and fiches of the loaded data."""
    from cdvs.directory.models import Organisation
    from cdvs.meetings.models import Meeting, MeetingSeries

    pages = public_pages()
    org = (
        Organisation.objects.exclude(website="").exclude(places__address="").first()
        or Organisation.objects.first()
    )
    # a fiche with a long unbroken web address and name: what used to overflow
    org.website = "https://www.exemple-d-association-armentieres.fr/nos-actions/accompagnement"
    org.save()
    series = MeetingSeries.objects.order_by("pk").first()
    meeting = Meeting.objects.exclude(day=None).order_by("day").first() or Meeting.objects.first()
    pages.update(
        {
            "annuaire": reverse("directory:list"),
            "organisation": reverse("directory:detail", args=[org.pk]),
            "qui-peut-aider": reverse("directory:help"),
            "appels-a-projets": reverse("calls:list"),
            "agenda": reverse("meetings:index"),
            "instances": reverse("meetings:series_list"),
            "instance": reverse("meetings:series", args=[series.pk]),
            "reunion": reverse("meetings:detail", args=[meeting.pk]),
            "mois": reverse("meetings:month", args=[2026, 3]),
            "suites-a-donner": reverse("meetings:next_steps"),
            "documents": reverse("library:documents"),
            "plan-actions": reverse("actions:list"),
        }
    )
    return pages


def coordinator_pages(organisation) -> dict[str, str]:
    return {
        "coord-accueil": reverse("home"),
        "coord-compte": reverse("accounts:account"),
        "coord-invitations": reverse("accounts:invitations"),
        "coord-organisation": reverse("directory:detail", args=[organisation]),
        "coord-fiche": reverse("directory:edit", args=[organisation]),
        "coord-appel-nouveau": reverse("calls_coordination:create"),
        "coord-imports": reverse("directory_coordination:imports"),
        "coord-fiches-a-jour": reverse("directory_coordination:stale"),
        "coord-agenda": reverse("meetings:index"),
    }


def check(browser, base_url, pages, cookies=()) -> list[str]:
    """Opens each page at 320 px (reflow), 390 px and 1 280 px (axe-core)."""
    failures = []
    cookies = [{k: c[k] for k in ("name", "value", "url")} for c in cookies]
    narrow = new_page(browser, width=NARROW, height=700, cookies=cookies)
    mobile = new_page(browser, width=390, height=800, cookies=cookies)
    desktop = new_page(browser, width=1280, height=900, cookies=cookies)
    for name, path in pages.items():
        response = narrow.goto(base_url + path, wait_until="load")
        if response.status != 200:
            failures.append(f"{name} ({path}) : statut HTTP {response.status}")
            continue
        width = narrow.evaluate("document.documentElement.scrollWidth")
        typed = narrow.evaluate(PUNCTUATION_JS)
        if typed:
            failures.append(f"{name} ({path}) : espace ordinaire avant {typed}")
        screenshot(narrow, f"{name}-320")
        if width > NARROW:
            failures.append(
                f"{name} ({path}) : {width} px de large à {NARROW} px "
                f"({horizontal_overflow(narrow)})"
            )
        for page, size in ((mobile, 390), (desktop, 1280)):
            page.goto(base_url + path, wait_until="load")
            serious = blocking(run_axe(page)["violations"])
            if serious:
                failures.append(f"{name} ({path}) à {size} px :\n{describe(serious)}")
    console = narrow.console_messages_seen + mobile.console_messages_seen
    failures += [f"console : {line}" for line in console]
    return failures


def test_every_page_fits_320_px_and_passes_axe(live_server, client):
    load_seed()
    _sample_call()
    pages = seed_pages()
    cookie = coordinator_cookie(client, live_server)
    with chromium() as browser:
        failures = check(browser, live_server.url, pages)
        failures += check(
            browser, live_server.url, coordinator_pages(cookie["organisation"]), [cookie]
        )
    assert not failures, "\n".join(failures)


def test_the_menu_folds_behind_a_button_on_small_screens(live_server):
    with chromium() as browser:
        page = new_page(browser, width=390, height=800)
        page.goto(live_server.url + reverse("core:accessibility"))
        button = page.get_by_role("button", name="Menu")
        menu = page.get_by_role("navigation", name="Navigation principale").get_by_role("list")
        assert button.get_attribute("aria-expanded") == "false"
        assert not menu.is_visible()
        button.click()
        assert button.get_attribute("aria-expanded") == "true"
        assert menu.is_visible()
        assert page.get_by_role("link", name="Annuaire").is_visible()
        page.keyboard.press("Escape")
        assert button.get_attribute("aria-expanded") == "false" and not menu.is_visible()

        wide = new_page(browser, width=1280, height=900)
        wide.goto(live_server.url + reverse("core:accessibility"))
        assert not wide.get_by_role("button", name="Menu").is_visible()
        assert wide.get_by_role("link", name="Annuaire").is_visible()
        # the menu's height on a desktop: one row
        height = wide.evaluate("document.querySelector('.main-nav ul').offsetHeight")
        assert height < 60


def test_without_javascript_the_menu_stays_open(live_server):
    with chromium() as browser:
        context = browser.new_context(
            viewport={"width": 390, "height": 800}, java_script_enabled=False
        )
        page = context.new_page()
        page.goto(live_server.url + reverse("core:accessibility"))
        assert page.get_by_role("link", name="Annuaire").is_visible()
        assert not page.get_by_role("button", name="Menu").is_visible()
