"""The whole OpenAPI description against the API (issue 11), with schemathesis in WSGI
mode (no network): for every operation, a fixed seed, 20 requests that fit the
description and 10 that do not (for operations with parameters or a body), anonymous
and logged in; 0 server errors and every answer (status, content type, body, headers)
as documented."""

from contextlib import contextmanager
from datetime import date, time

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, Phase, given, seed, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from cdvs.testing import World

EXAMPLES = {GenerationMode.POSITIVE: 20, GenerationMode.NEGATIVE: 10}
SEED = 11
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
    negative_data_rejection,  # what the description calls invalid is refused
]


@pytest.fixture
def data(db):
    """A little of everything the API serves: the test world, a place with its hours
    and a service, a call closing at noon."""
    from cdvs.calls import services as calls
    from cdvs.directory.models import OpeningSlot, Place, Service

    world = World.build()
    asso = world.organisations["asso_arm"]
    place = Place.objects.create(organisation=asso, name="Accueil", lat=50.69, lon=2.87)
    OpeningSlot.objects.create(place=place, weekday=1, start=time(14), end=time(17))
    Service.objects.create(organisation=asso, name="Aide", place=place, publics=["jeunes"])
    call = calls.create_call(
        {"title": "Appel à midi", "funder_name": "État", "opens_on": date(2025, 1, 1),
         "closes_on": date(2099, 3, 31), "closes_at": time(12)}
    )  # fmt: skip
    action, programmation = _plan(world)
    real_ids = {
        "/api/actions/programmations/{pk}": {"pk": programmation.pk},
        "/api/actions/{pk}": {"pk": action.pk},
        "/api/annuaire/organisations/{pk}": {"pk": asso.pk},
        "/api/annuaire/lieux/{place_pk}": {"place_pk": place.pk},
        "/api/appels/{pk}": {"pk": call.pk},
    }
    return world, real_ids


def _plan(world):
    """A public action of the Armentières association with a decided and an undecided
    funding line, in the programmation 2025 of Armentières, arrêtée."""
    from decimal import Decimal

    from cdvs.actions.models import Action, FundingLine, Programmation
    from cdvs.contract.models import Contract
    from cdvs.testing import make_call

    t = world.territories
    contract = Contract.objects.create(
        name="Contrat", epci=t["mel"], start_year=2024, end_year=2030
    )
    action = Action.objects.create(
        contract=contract, title="Atelier", porteur=world.organisations["asso_arm"],
        commune=t["armentieres"], status="programmee",
    )  # fmt: skip
    for kind, granted in (("etat_pv", Decimal("800.00")), ("commune", None)):
        FundingLine.objects.create(action=action, year=2025, funder_kind=kind,
                                   nature="specifique", requested=Decimal("1000.00"),
                                   granted=granted)  # fmt: skip
    programmation = Programmation.objects.create(
        call=make_call("Programmation 2025", commune=t["armentieres"]), contract=contract,
        year=2025, commune=t["armentieres"], decided_on=date(2025, 3, 1),
    )  # fmt: skip
    programmation.requests.create(action=action, submitted_on=date(2025, 2, 1),
                                  decided_on=date(2025, 3, 1))  # fmt: skip
    return action, programmation


@contextmanager
def kept_connection():
    """Requests served as the test client serves them: the connection is not closed at
    the end of each request (on PostgreSQL that would end the test's transaction, and
    every later request would fail). Entered after any use of the test client, which
    connects the signals again when it is done."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def _session(user):
    """Cookies and headers of a logged-in browser (session, CSRF token)."""
    if user is None:
        return {}, {}
    client = Client()
    client.force_login(user)
    client.get("/organisations/")  # sets the csrftoken cookie
    cookies = {name: morsel.value for name, morsel in client.cookies.items()}
    return cookies, {"X-CSRFToken": cookies["csrftoken"]}


@pytest.mark.parametrize("role", ["anonyme", "porteur"])
def test_the_api_answers_as_described(data, role):
    world, real_ids = data
    cookies, headers = _session(world.users[role])
    failures: dict[str, set[str]] = {}
    calls: dict[str, int] = {}

    with kept_connection():
        schema = schemathesis.openapi.from_wsgi("/api/openapi.json", get_wsgi_application())
        operations = [result.ok() for result in schema.get_all_operations()]
        for operation in operations:
            _explore(operation, GenerationMode.POSITIVE, role, cookies, headers, real_ids, calls,
                     failures)  # fmt: skip
            if operation.path_parameters or operation.query or operation.body:
                # (an operation without any parameter has nothing that could be wrong)
                _explore(operation, GenerationMode.NEGATIVE, role, cookies, headers, {}, calls,
                         failures)  # fmt: skip

    assert len(calls) == len(operations) >= 25, sorted(calls)  # every one was run
    assert not failures, "\n".join(
        f"{k}:\n  " + "\n  ".join(sorted(v)) for k, v in failures.items()
    )


def _explore(operation, mode, role, cookies, headers, real_ids, calls, failures):
    @settings(
        max_examples=EXAMPLES[mode],
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(mode))
    @seed(SEED)  # the same requests on every run
    def run(case):
        calls[operation.label] = calls.get(operation.label, 0) + 1
        if calls[operation.label] % 2:  # half of the requests aim at objects that exist
            for path, ids in real_ids.items():
                if operation.path.startswith(path):
                    case.path_parameters.update(ids)
        response = case.call(cookies=cookies, headers=headers)
        try:
            case.validate_response(response, checks=CHECKS)
        except BaseExceptionGroup as group:
            summary = f"{mode} {case.method} {case.formatted_path} {case.query or ''} → "
            summary += f"{response.status_code}: "
            failures.setdefault(operation.label, set()).add(
                summary + "; ".join(str(e).splitlines()[0] for e in group.exceptions)
            )

    run()
