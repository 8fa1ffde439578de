"""The forms' side of the hostile-input bar: every form the site shows (found by following
the links of every page, as an administrator and as an anonymous visitor) is posted back
with each of its text fields set to 2^63, -1, a 10 000-character string, a lone surrogate
(as the bytes a hostile client sends) and dates in the year 9999. No answer may be a
server error. (The query parameters are the crawl's business: `test_crawl.py`.)"""

from datetime import date
from html.parser import HTMLParser
from urllib.parse import urlencode, urljoin, urlsplit

import pytest
from django.test import Client
from django.urls import Resolver404, resolve
from django.utils import timezone

from cdvs.actions.tests.conftest import plan, programmation  # noqa: F401 (fixtures)
from cdvs.core.tests.test_crawl import _concrete, _routes
from cdvs.evaluation.tests.conftest import seeded  # noqa: F401 (fixture)
from cdvs.participation.tests.conftest import campaign, places  # noqa: F401 (fixtures)

EVIL = {
    "2^63": "9223372036854775808",
    "-1": "-1",
    "10000 car.": "x" * 10_000,
    "surrogate": b"\xed\xa0\x80",  # sent as raw bytes: no str can hold it
    "an 9999": "31/12/9999",
}
TEXT_TYPES = {"text", "search", "email", "url", "tel", "number", "hidden", "password", None}
SKIPPED = (
    "/admin/",
    "/static/",
    "/media/",
    "/api/",
    "/sante/",
    "/compte/deconnexion",  # would end the session the crawl goes on with
)
MAX_PAGES = 700
PATHS_PER_ROUTE = 3


class Forms(HTMLParser):
    """The POST forms of a page and the links it holds."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self.links: set[str] = set()
        self._form = None
        self._select = None
        self._textarea = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a" and a.get("href"):
            self.links.add(a["href"])
        elif tag == "form":
            self._form = {
                "action": a.get("action") or "",
                "method": (a.get("method") or "get").lower(),
                "fields": [],
            }
        elif self._form is None or not a.get("name"):
            return
        elif tag == "input":
            kind = (a.get("type") or "text").lower()
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            if kind in ("submit", "button", "image", "reset", "file"):
                if kind == "submit":
                    self._form["fields"].append((a["name"], a.get("value", ""), "submit"))
                return
            self._form["fields"].append((a["name"], a.get("value", ""), kind))
        elif tag == "textarea":
            self._textarea = [a["name"], ""]
        elif tag == "select":
            self._select = {"name": a["name"], "first": None, "chosen": None}
        elif tag == "button" and a.get("type", "submit") == "submit":
            self._form["fields"].append((a["name"], a.get("value", ""), "submit"))
        if tag == "option" and self._select is not None:
            value = a.get("value", "")
            if self._select["first"] is None:
                self._select["first"] = value
            if "selected" in a:
                self._select["chosen"] = value

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if self._form is None:
            return
        if tag == "textarea" and self._textarea:
            self._form["fields"].append((*self._textarea, "textarea"))
            self._textarea = None
        elif tag == "select" and self._select:
            s = self._select
            value = s["chosen"] if s["chosen"] is not None else s["first"] or ""
            self._form["fields"].append((s["name"], value, "select"))
            self._select = None
        elif tag == "form":
            self.forms.append(self._form)
            self._form = None


def _keep(path: str) -> bool:
    return path.startswith("/") and not path.startswith(SKIPPED)


def _route(path: str) -> str | None:
    try:
        return resolve(path).route
    except Resolver404:
        return None


def _forms_of_the_site(client) -> dict:
    """{(route, field names): (path, form)} for every POST form found by following links."""
    queue = ["/"] + [p for p in (_concrete(r) for r in sorted(set(_routes()))) if p]
    seen, per_route, forms = set(), {}, {}
    while queue and len(seen) < MAX_PAGES:
        path = queue.pop(0)
        route = _route(path)
        if path in seen or route is None or not _keep(path):
            continue
        if per_route.get(route, 0) >= PATHS_PER_ROUTE:
            continue
        seen.add(path)
        per_route[route] = per_route.get(route, 0) + 1
        response = client.get(path)
        if response.streaming or "html" not in response.get("Content-Type", ""):
            continue
        parser = Forms()
        parser.feed(response.content.decode())
        for href in parser.links:
            target = urlsplit(urljoin(path, href))
            if not target.netloc and _keep(target.path):
                queue.append(target.path)
        for form in parser.forms:
            if form["method"] != "post":
                continue
            action = urlsplit(urljoin(path, form["action"])).path or path
            if not _keep(action) or _route(action) is None:
                continue
            key = (_route(action), tuple(sorted(name for name, _, _ in form["fields"])))
            forms.setdefault(key, (action, form))
    return forms


def _post(client, action: str, form: dict, evil: str | bytes) -> int:
    data: dict[str, list] = {}
    submitted = False
    for name, value, kind in form["fields"]:
        if kind == "submit":
            if submitted:
                continue
            submitted = True
        elif name != "csrfmiddlewaretoken" and kind in TEXT_TYPES | {"textarea", "select", "date"}:
            value = evil
        data.setdefault(name, []).append(value)
    body = urlencode(data, doseq=True)
    response = client.post(action, body, content_type="application/x-www-form-urlencoded")
    if response.streaming:
        b"".join(response.streaming_content)
    return response.status_code


@pytest.fixture
def site(world, request):
    """The world on 15 January 2025 with an agenda, a call, an action in its year's
    programmation, an open participatory budget with a public idea and a council, the
    seed's evidence: every app has something to show, so its forms are on the pages."""
    from cdvs.meetings.tests.conftest import Agenda
    from cdvs.participation.models import Council, Idea
    from cdvs.testing import make_call

    for name in ("frozen", "programmation", "seeded"):
        request.getfixturevalue(name)
    open_campaign = request.getfixturevalue("campaign")
    Agenda(world)
    make_call("Appel de test", opens_on=date(2025, 1, 1), closes_on=date(2025, 3, 31))
    Idea.objects.create(
        campaign=open_campaign, title="Des bancs", text="Des bancs au square.", lat=50.69, lon=2.865,
        status="recevable", confirmed_at=timezone.now(),
    )  # fmt: skip
    Council.objects.create(commune=world.territories["armentieres"], name="Conseil de test")
    return world


@pytest.mark.parametrize("role", ["anonyme", "administrateur"])
def test_no_form_answers_a_server_error_to_hostile_values(site, role):
    client = Client(raise_request_exception=False)
    if site.users[role] is not None:
        client.force_login(site.users[role])
    forms = _forms_of_the_site(client)
    assert forms, "no form found: the crawl is broken"
    failures = []
    # the forms that end something (trash, cancel, close) go last, the others find their object
    ending = ("supprimer", "annuler", "arreter", "corbeille")
    for (route, _), (action, form) in sorted(
        forms.items(), key=lambda item: (any(w in item[0][0] for w in ending), item[0])
    ):
        for label, value in EVIL.items():
            status = _post(client, action, form, value)
            if status >= 500:
                failures.append(f"{action} ({route}) with {label}: {status}")
    assert not failures, "\n".join(failures)
