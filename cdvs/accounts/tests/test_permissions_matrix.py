"""The permission matrix: role × page, role × permission × object, role × visibility.

Every URL of `cdvs.urls` must appear in `PAGES` (`test_every_url_is_in_the_matrix`
walks the URL resolver, so a new page fails until its expected status codes per role
are written here). Pages taking parameters say how to build them from `Objects`.

Roles under test: the five roles, plus a logged-in person without any organisation
("sans_role") and a coordinator of another commune ("coordinateur_lille") to check
the coordinator's territorial scope.
"""

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from cdvs.accounts import permissions as p
from cdvs.accounts.models import Invitation
from cdvs.meetings.services import unsubscribe_token
from cdvs.testing import ROLES, SEES, World


def expect(anonyme, sans_role, porteur, membre, coordinateur, coordinateur_lille, admin):
    return dict(
        zip(
            ROLES,
            [anonyme, sans_role, porteur, membre, coordinateur, coordinateur_lille, admin],
            strict=True,
        )
    )


ARMENTIERES = {"kind": "commune", "code": "59017"}
LOGIN = 302  # redirect to the login page (checked: the Location is the login URL)
PUBLIC = expect(200, 200, 200, 200, 200, 200, 200)
PERSON = expect(LOGIN, 200, 200, 200, 200, 200, 200)
COORDINATION = expect(LOGIN, 403, 403, 403, 200, 200, 200)
# an object in Armentières: only its coordinator and the administrator
ARMENTIERES_COORDINATION = expect(LOGIN, 403, 403, 403, 200, 403, 200)
ADMIN_ONLY = expect(LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, 200)
# content visible to partners: anonymous visitors are asked to log in
PARTNERS_CONTENT = expect(LOGIN, 403, 200, 200, 200, 200, 200)
ARMENTIERES_POST = expect(LOGIN, 403, 403, 403, 302, 403, 302)
NOT_A_GET = expect(405, 405, 405, 405, 405, 405, 405)


class Objects:
    """What the parametrised pages need, built once per test."""

    def _calls(self, world):
        """Calls for projects: a partners' call managed in Armentières with an attachment
        (its file is not on disk: readers allowed get a 404, the others never reach
        it), one in the trash; a member's saved search and their tokens."""
        from datetime import date

        from cdvs.calls import alerts
        from cdvs.calls.models import CallAttachment, CallForProjects, SavedSearch

        arm = world.territories["armentieres"]
        self.call = CallForProjects.objects.create(
            title="Appel partenaires", funder_name="État", opens_on=date(2025, 1, 1),
            visibility="partenaires", commune=arm,
        )  # fmt: skip
        self.call_attachment = CallAttachment.objects.create(
            call=self.call, file="appels/absent.pdf", filename="absent.pdf",
            content_type="application/pdf", size=10,
        )  # fmt: skip
        self.deleted_call = CallForProjects.objects.create(
            title="Appel supprimé", funder_name="État", opens_on=date(2025, 1, 1), commune=arm
        )
        self.deleted_call.soft_delete()
        self.saved_search = SavedSearch.objects.create(user=world.users["membre"], name="Tout")
        self.search_feed_token = alerts.feed_token(self.saved_search)
        self.call_unsubscribe_token = alerts.unsubscribe_token(
            world.users["membre"].pk, self.saved_search.pk
        )

    def __init__(self, world: World):
        self._calls(world)
        from cdvs.contract.models import (
            ActionLead,
            Ambition,
            Contract,
            Enjeu,
            LocalEnjeu,
            LocalSection,
            Objective,
        )

        t, o = world.territories, world.organisations
        self.world = world
        self.invitation = Invitation.objects.create(
            email="invitee@example.org", organisation=o["asso_arm"], role="membre"
        )
        from django.utils import timezone

        from cdvs.accounts.personal_data import _token
        from cdvs.directory.models import Contact

        self.contact = Contact.objects.create(
            organisation=o["asso_arm"], name="Dominique Contact",
            email="dominique@example.org", consent_at=timezone.now(),
        )  # fmt: skip
        self.personal_data_token = _token("dominique@example.org")
        self.other_person_token = _token("quelquun@example.org")
        contract = Contract.objects.create(
            name="Contrat de test", epci=t["mel"], start_year=2024, end_year=2030
        )
        section = LocalSection.objects.create(
            contract=contract, commune=t["armentieres"], name="Volet d'Armentières"
        )
        self.enjeu = Enjeu.objects.create(contract=contract, number=1, title="Enjeu de test")
        self.local_enjeu = LocalEnjeu.objects.create(
            section=section, enjeu=self.enjeu, title="Enjeu local"
        )
        self.ambition = Ambition.objects.create(
            enjeu=self.enjeu, local_enjeu=self.local_enjeu, scale="local", text="Ambition locale"
        )
        self.objective = Objective.objects.create(
            ambition=self.ambition, enjeu=self.enjeu, text="Objectif local"
        )
        self.deleted_lead = ActionLead.objects.create(
            objective=self.objective, kind="piste", text="Piste supprimée"
        )
        self.deleted_lead.soft_delete()
        # meetings: a partners' instance in Armentières, one of its meetings in a
        # month, an agenda item, a next step, a meeting in the trash, a public instance
        from datetime import date, timedelta

        from cdvs.meetings.models import AgendaItem, CalendarFeedToken, Meeting, MeetingSeries

        soon = date.today() + timedelta(days=30)
        self.series = MeetingSeries.objects.create(
            name="Point d'actu", commune=t["armentieres"], period="mois", months=[1],
            period_start=date(2025, 1, 1), period_end=date(2030, 12, 31),
        )  # fmt: skip
        self.public_series = MeetingSeries.objects.create(
            name="Conseil de quartier", commune=t["armentieres"], visibility="public",
            period="annee", period_start=date(2025, 1, 1), period_end=date(2030, 12, 31),
        )  # fmt: skip
        self.meeting = Meeting.objects.create(
            series=self.series, title="Point d'actu", day=soon, window_start=soon,
            window_end=soon, sort_date=soon,
        )  # fmt: skip
        self.deleted_meeting = Meeting.objects.create(
            series=self.series, title="Réunion supprimée", day=soon, window_start=soon,
            window_end=soon, sort_date=soon,
        )  # fmt: skip
        self.deleted_meeting.soft_delete()
        self.item = AgendaItem.objects.create(meeting=self.meeting, title="Tour de table")
        self.step = self.meeting.next_steps.create(what="Relancer les partenaires")
        self.feed_token = CalendarFeedToken.objects.create(user=world.users["membre"])
        armentieres = t["armentieres"]
        armentieres.geometry = (
            '{"type": "Polygon", "coordinates": [[[2.85, 50.68], [2.91, 50.68], '
            "[2.91, 50.71], [2.85, 50.71], [2.85, 50.68]]]}"
        )
        armentieres.save()
        self._library(world)
        self._actions(world, contract)
        self._participation(world)
        self._evaluation(world)

    def _participation(self, world):
        """Budget participatif: a campaign of Armentières open today, a public idea and
        its depositor's link; a council; a resident's request for a public meeting."""
        from datetime import date, timedelta

        from django.utils import timezone

        from cdvs.meetings.models import Meeting
        from cdvs.participation.models import AttendanceRequest, Campaign, Council, Idea
        from cdvs.participation.services import idea_token

        arm = world.territories["armentieres"]
        today = date.today()
        self.campaign = Campaign.objects.create(
            territory=arm, name="Budget participatif", deposit_opens_on=today - timedelta(1),
            deposit_closes_on=today + timedelta(30), ends_on=today + timedelta(300),
        )  # fmt: skip
        self.idea = Idea.objects.create(
            campaign=self.campaign, title="Bancs", text="x", lat=50.69, lon=2.88,
            status="recevable", confirmed_at=timezone.now(), email="habitant@example.org",
        )  # fmt: skip
        self.idea_token = idea_token(self.idea)
        self.council = Council.objects.create(commune=arm, name="Conseil A")
        soon = today + timedelta(20)
        self.public_meeting = Meeting.objects.create(
            series=self.public_series, title="Réunion des acteurs", day=soon, window_start=soon,
            window_end=soon, sort_date=soon, visibility="public",
        )  # fmt: skip
        self.attendance_request = AttendanceRequest.objects.create(
            meeting=self.public_meeting, name="Samia", email="samia@example.org", project="Vélo"
        )

    def _evaluation(self, world):
        """Evaluation: an indicator measured in Armentières and the MEL, a diagnostic row."""
        from decimal import Decimal

        from cdvs.evaluation.models import DiagnosticRow, Indicator, Measurement

        t = world.territories
        self.indicator = Indicator.objects.create(code="t", name="Taux", unit="%", kind="taux")
        self.measurement = Measurement.objects.create(
            indicator=self.indicator, territory=t["armentieres"], value=Decimal("12"), period="2020"
        )
        mel = Measurement.objects.create(
            indicator=self.indicator, territory=t["mel"], value=Decimal("10"), period="2020"
        )
        row = DiagnosticRow.objects.create(
            table="1.1.a", title="Diagnostic", indicator=self.indicator, reference=mel,
            gap_kind="points", commune=t["armentieres"],
        )  # fmt: skip
        row.compared.set([self.measurement])
        from cdvs.evaluation.models import Bilan

        self.bilan = Bilan.objects.create(action=self.action, year=2025)
        from cdvs.evaluation.models import Recommendation, Report, WorkingGroup

        self.working_group = WorkingGroup.objects.create(
            enjeu=self.enjeu, commune=t["armentieres"], name="Groupe", series=self.series
        )
        self.recommendation = Recommendation.objects.create(group=self.working_group, text="R")

        self.report = Report.objects.create(year=2025, title="Rapport", snapshot={
            "year": 2025, "diagnostic": [], "targets": [], "questions": [],
            "bilans": {"year": 2025, "total": 0, "received": 0, "late": 0},
        })  # fmt: skip

    def _actions(self, world, contract):
        """Plan d'actions: an action of the Armentières association managed in
        Armentières, with a funding line, and one in the trash."""
        from decimal import Decimal

        from cdvs.actions.models import Action, FundingLine

        o, t = world.organisations, world.territories
        self.action = Action.objects.create(
            contract=contract, title="Atelier", porteur=o["asso_arm"], commune=t["armentieres"]
        )
        self.action.objectives.set([self.objective])
        self.funding_line = FundingLine.objects.create(
            action=self.action, year=2025, funder_kind="etat_pv", nature="specifique",
            requested=Decimal("1000.00"),
        )  # fmt: skip
        self.deleted_action = Action.objects.create(
            contract=contract, title="Supprimée", porteur=o["asso_arm"], commune=t["armentieres"]
        )
        self.deleted_action.soft_delete()
        self._programmation(world, contract)

    def _programmation(self, world, contract):
        """The programmation 2025 of Armentières (not yet arrêtée), a request of the action."""
        from datetime import date

        from cdvs.actions.models import Programmation, Request
        from cdvs.testing import make_call

        t = world.territories
        call = make_call("Programmation 2025", commune=t["armentieres"], visibility="partenaires")
        self.programmation = Programmation.objects.create(
            call=call, contract=contract, year=2025, commune=t["armentieres"]
        )
        self.request = Request.objects.create(
            programmation=self.programmation, action=self.action, submitted_on=date(2025, 2, 1)
        )
        from decimal import Decimal

        from cdvs.actions.models import Convention

        self.convention = Convention.objects.create(
            contract=contract, title="CPO", porteur=world.organisations["asso_arm"],
            commune=t["armentieres"], start_year=2025,
        )  # fmt: skip
        self.convention_year = self.convention.years.create(year=2025, amount=Decimal("10.00"))
        self._follow_up(world, contract)

    def _follow_up(self, world, contract):
        """An engagement de droit commun for Armentières (one in the trash), the action as
        a projet phare with a milestone, and a comité de pilotage to come."""
        from datetime import date, timedelta

        from cdvs.actions import flagships
        from cdvs.actions.models import Engagement, Flagship
        from cdvs.meetings.models import Meeting

        arm = world.territories["armentieres"]
        self.engagement = Engagement.objects.create(
            contract=contract, partner="caf", text="Engagement", commune=arm
        )
        self.deleted_engagement = Engagement.objects.create(
            contract=contract, partner="etat", text="Supprimé", commune=arm
        )
        self.deleted_engagement.soft_delete()
        self.flagship = Flagship.objects.create(
            action=self.action, contract=contract, chosen_on=date(2025, 1, 1)
        )
        self.milestone = self.flagship.milestones.create(label="Jalon", due_on=date(2026, 1, 1))
        soon = date.today() + timedelta(days=30)
        self.steering_meeting = Meeting.objects.create(
            series=flagships.steering_series(contract, create=True), title="Comité de pilotage",
            day=soon, window_start=soon, window_end=soon, sort_date=soon,
        )  # fmt: skip

    def _library(self, world):
        """Documents and actualités: a partners' document of the Armentières association
        with its file, one in the trash; a public actualité and one in the trash."""
        from django.core.files.base import ContentFile

        from cdvs.library.models import Document, DocumentVersion, News
        from cdvs.library.services import unsubscribe_token
        from cdvs.testing import make_pdf

        o, t = world.organisations, world.territories
        self.document = Document.objects.create(
            title="Diagnostic", kind="pdf", visibility="partenaires",
            organisation=o["asso_arm"], territory=t["qpv_arm"],
        )  # fmt: skip
        self.version = DocumentVersion(
            document=self.document, number=1, original_name="diagnostic.pdf",
            content_type="application/pdf", extension="pdf", size=100, sha256="0" * 64,
        )  # fmt: skip
        self.version.file.save("diagnostic.pdf", ContentFile(make_pdf(["Diagnostic"])))
        self.document.current_version = self.version
        self.document.save()
        self.deleted_document = Document.objects.create(
            title="Ancien", kind="pdf", organisation=o["asso_arm"], territory=t["qpv_arm"]
        )
        self.deleted_document.soft_delete()
        self.news = News.objects.create(
            title="Fête de quartier", body="Samedi", visibility="public", status="publiee",
            author=world.users["porteur"], organisation=o["asso_arm"], territory=t["qpv_arm"],
        )  # fmt: skip
        self.deleted_news = News.objects.create(
            title="Annulée", body="x", author=world.users["porteur"],
            organisation=o["asso_arm"], territory=t["qpv_arm"],
        )  # fmt: skip
        self.deleted_news.soft_delete()
        self.unsubscribe_token = unsubscribe_token(world.users["membre"])

    def cleanup(self):
        self.version.file.delete(save=False)


def _place(o):
    from cdvs.directory.models import Place

    return Place.objects.create(organisation=o.world.organisations["asso_arm"], name="Accueil")


def _service(o):
    from cdvs.directory.models import Service

    return Service.objects.create(organisation=o.world.organisations["asso_arm"], name="Aide")


def _deleted_contact(o):
    from django.utils import timezone

    from cdvs.directory.models import Contact

    contact = Contact.objects.create(
        organisation=o.world.organisations["asso_arm"], name="Ancien", consent_at=timezone.now()
    )
    contact.soft_delete()
    return contact


def _directory_import(o, status):
    """An import of the directory in Armentières (its file is not needed to render)."""
    from cdvs.directory.models import DirectoryImport

    return DirectoryImport.objects.create(
        kind="tableur", file="imports/absent.csv", file_name="organisations.csv",
        territory=o.world.territories["armentieres"], status=status, headers=["Nom"],
        mapping={"name": 0}, total_rows=1, created_by=o.world.users["coordinateur"],
    )  # fmt: skip


@dataclass
class Page:
    expected: dict
    kwargs: Callable[[Objects], dict] | None = None
    method: str = "get"
    query: str = ""
    json: dict | None = None


PAGES = {
    # core
    "home": Page(PUBLIC),
    "core:upcoming": Page(PUBLIC, lambda o: {"area": "evaluation"}),
    "core:accessibility": Page(PUBLIC),
    "core:processing_register": Page(PUBLIC),
    # the web probe (the full one answers 503 without a worker)
    "core:health": Page(PUBLIC, query="portee=web"),
    # accounts
    "accounts:account": Page(PERSON),
    "accounts:login": Page(expect(200, 302, 302, 302, 302, 302, 302)),
    "accounts:logout": Page(NOT_A_GET),
    # login (ProConnect: not configured in the tests, see test_proconnect)
    "accounts:proconnect_start": Page(expect(404, 404, 404, 404, 404, 404, 404)),
    "accounts:proconnect_callback": Page(expect(404, 404, 404, 404, 404, 404, 404)),
    # two-factor: the step is already done in these sessions (sent on), enrolment for
    # anyone logged in; new recovery codes need an authenticator (sent to enrolment)
    "accounts:two_factor": Page(expect(LOGIN, 302, 302, 302, 302, 302, 302)),
    "accounts:two_factor_enrol": Page(PERSON),
    "accounts:two_factor_recovery_codes": Page(
        expect(LOGIN, 302, 302, 302, 302, 302, 302), method="post"
    ),
    "accounts:logout_everywhere": Page(expect(LOGIN, 302, 302, 302, 302, 302, 302), method="post"),
    "accounts:magic_link_request": Page(PUBLIC),
    "accounts:magic_link_sent": Page(PUBLIC),
    # a link that is not (or no longer) valid: gone, whoever opens it
    "accounts:magic_link": Page(
        expect(410, 410, 410, 410, 410, 410, 410), lambda o: {"token": "lien-invalide"}
    ),
    "accounts:password_change": Page(PERSON),
    "accounts:password_change_done": Page(PERSON),
    "accounts:password_reset": Page(PUBLIC),
    "accounts:password_reset_done": Page(PUBLIC),
    "accounts:password_reset_confirm": Page(
        PUBLIC, lambda o: {"uidb64": "MQ", "token": "lien-invalide"}
    ),
    "accounts:password_reset_complete": Page(PUBLIC),
    "accounts:invitations": Page(COORDINATION),
    "accounts:invitation_organisations": Page(COORDINATION),
    # the person's own data: for anyone, by their account or a signed link
    "accounts:personal_data": Page(PUBLIC),
    "accounts:personal_data_link": Page(PUBLIC, lambda o: {"token": o.personal_data_token}),
    "accounts:personal_data_json": Page(PERSON),
    "accounts:personal_data_link_json": Page(PUBLIC, lambda o: {"token": o.personal_data_token}),
    # erasing someone else's entry: not found, whoever asks (login first when anonymous)
    "accounts:personal_data_erase": Page(
        expect(302, 404, 404, 404, 404, 404, 404), lambda o: {"pk": o.contact.pk}, "post"
    ),
    "accounts:personal_data_link_erase": Page(
        expect(404, 404, 404, 404, 404, 404, 404),
        lambda o: {"token": o.other_person_token, "pk": o.contact.pk},
        "post",
    ),
    "accounts:invitation_revoke": Page(
        expect(LOGIN, 403, 403, 403, 302, 403, 302), lambda o: {"pk": o.invitation.pk}, "post"
    ),
    "accounts:invitation_resend": Page(
        expect(LOGIN, 403, 403, 403, 302, 403, 302), lambda o: {"pk": o.invitation.pk}, "post"
    ),
    # the link itself is the credential: sign-up form, or "another account" page
    "accounts:invitation": Page(PUBLIC, lambda o: {"token": o.invitation.token}),
    # territories
    "territories:index": Page(PUBLIC),
    "territories:detail": Page(PUBLIC, lambda o: ARMENTIERES),
    "territories:geojson": Page(PUBLIC, lambda o: ARMENTIERES),
    "territories:perimeter": Page(ARMENTIERES_COORDINATION, lambda o: ARMENTIERES),
    "territories:history": Page(ARMENTIERES_COORDINATION, lambda o: ARMENTIERES),
    # directory: public fiche, members for the organisation and its coordinators
    "directory:list": Page(PUBLIC),
    "directory:detail": Page(PUBLIC, lambda o: {"pk": o.world.organisations["asso_arm"].pk}),
    "directory:help": Page(PUBLIC, query="need=emploi&age=20"),
    "directory:export": Page(PUBLIC, lambda o: {"fmt": "csv"}),
    # the organisation's people and its coordinators edit the fiche
    "directory:edit": Page(
        expect(LOGIN, 403, 200, 200, 200, 403, 200),
        lambda o: {"pk": o.world.organisations["asso_arm"].pk},
    ),
    "directory:contact_add": Page(
        expect(LOGIN, 403, 200, 200, 200, 403, 200),
        lambda o: {"pk": o.world.organisations["asso_arm"].pk},
    ),
    "directory:confirm": Page(
        expect(LOGIN, 403, 302, 302, 302, 403, 302),
        lambda o: {"pk": o.world.organisations["asso_arm"].pk},
        "post",
    ),
    "directory_coordination:create": Page(COORDINATION),
    "directory_coordination:stale": Page(COORDINATION),
    "directory_coordination:stale_export": Page(COORDINATION, lambda o: {"fmt": "csv"}),
    # directory: places (the organisation's people), exports (public fields), imports
    "directory:place_add": Page(
        expect(LOGIN, 403, 200, 200, 200, 403, 200),
        lambda o: {"pk": o.world.organisations["asso_arm"].pk},
    ),
    "directory:place_edit": Page(
        expect(LOGIN, 403, 200, 200, 200, 403, 200), lambda o: {"place_pk": _place(o).pk}
    ),
    "directory:place_hours": Page(
        expect(LOGIN, 403, 200, 200, 200, 403, 200), lambda o: {"place_pk": _place(o).pk}
    ),
    "directory:places_geojson": Page(PUBLIC),
    "directory:map": Page(PUBLIC),
    "directory:contact_edit": Page(
        expect(LOGIN, 403, 200, 200, 200, 403, 200), lambda o: {"contact_pk": o.contact.pk}
    ),
    "directory:contact_delete": Page(
        expect(LOGIN, 403, 200, 200, 200, 403, 200), lambda o: {"contact_pk": o.contact.pk}
    ),
    "directory:service_add": Page(
        expect(LOGIN, 403, 200, 200, 200, 403, 200),
        lambda o: {"pk": o.world.organisations["asso_arm"].pk},
    ),
    "directory:service_edit": Page(
        expect(LOGIN, 403, 200, 200, 200, 403, 200), lambda o: {"service_pk": _service(o).pk}
    ),
    "directory:service_delete": Page(
        expect(LOGIN, 403, 200, 200, 200, 403, 200), lambda o: {"service_pk": _service(o).pk}
    ),
    "directory_coordination:trash": Page(COORDINATION),
    "directory_coordination:restore": Page(
        ARMENTIERES_POST,
        lambda o: {"kind": "contact", "pk": _deleted_contact(o).pk},
        "post",
    ),
    "directory:map_data": Page(PUBLIC),
    "directory:data_inclusion": Page(PUBLIC, lambda o: {"what": "structures"}),
    "directory_coordination:imports": Page(COORDINATION),
    "directory_coordination:import_mapping": Page(
        ARMENTIERES_COORDINATION, lambda o: {"pk": _directory_import(o, "depose").pk}
    ),
    "directory_coordination:import_preview": Page(
        ARMENTIERES_COORDINATION, lambda o: {"pk": _directory_import(o, "pret").pk}
    ),
    "directory_coordination:import_status": Page(
        ARMENTIERES_COORDINATION, lambda o: {"pk": _directory_import(o, "termine").pk}
    ),
    "directory_coordination:import_progress": Page(
        ARMENTIERES_COORDINATION, lambda o: {"pk": _directory_import(o, "en_cours").pk}
    ),
    "directory_coordination:import_cancel": Page(
        ARMENTIERES_POST, lambda o: {"pk": _directory_import(o, "pret").pk}, "post"
    ),
    "directory_coordination:import_geocode": Page(
        ARMENTIERES_POST, lambda o: {"pk": _directory_import(o, "termine").pk}, "post"
    ),
    "api:participation_figures": Page(PUBLIC, lambda o: {"pk": o.campaign.pk}),
    "api:organisations": Page(PUBLIC),
    "api:organisation": Page(PUBLIC, lambda o: {"pk": o.world.organisations["asso_arm"].pk}),
    # directory writes share these paths (PATCH, POST, DELETE: tested per role in
    # cdvs/directory/tests/test_api_writes.py); a GET reads, or is not allowed
    "api:organisation_update": Page(PUBLIC, lambda o: {"pk": o.world.organisations["asso_arm"].pk}),
    "api:organisation_places": Page(PUBLIC, lambda o: {"pk": o.world.organisations["asso_arm"].pk}),
    "api:place_create": Page(PUBLIC, lambda o: {"pk": o.world.organisations["asso_arm"].pk}),
    "api:organisation_services": Page(
        PUBLIC, lambda o: {"pk": o.world.organisations["asso_arm"].pk}
    ),
    "api:place_update": Page(NOT_A_GET, lambda o: {"place_pk": _place(o).pk}),
    "api:place_delete": Page(NOT_A_GET, lambda o: {"place_pk": _place(o).pk}),
    "directory:members": Page(
        expect(LOGIN, 403, 200, 200, 200, 403, 200),
        lambda o: {"pk": o.world.organisations["asso_arm"].pk},
    ),
    # contract
    "contract:index": Page(PUBLIC),
    "contract:enjeu": Page(PUBLIC, lambda o: {"pk": o.enjeu.pk}),
    "contract_coordination:trash": Page(COORDINATION),
    "contract_coordination:edit": Page(
        ARMENTIERES_COORDINATION, lambda o: {"kind": "ambition", "pk": o.ambition.pk}
    ),
    "contract_coordination:delete": Page(
        expect(LOGIN, 403, 403, 403, 302, 403, 302),
        lambda o: {"kind": "ambition", "pk": o.ambition.pk},
        "post",
    ),
    "contract_coordination:restore": Page(
        expect(LOGIN, 403, 403, 403, 302, 403, 302),
        lambda o: {"kind": "piste", "pk": o.deleted_lead.pk},
        "post",
    ),
    "contract_coordination:history": Page(
        ARMENTIERES_COORDINATION, lambda o: {"kind": "ambition", "pk": o.ambition.pk}
    ),
    "contract_coordination:add_ambition": Page(
        ARMENTIERES_COORDINATION, lambda o: {"pk": o.local_enjeu.pk}
    ),
    "contract_coordination:add_objective": Page(
        ARMENTIERES_COORDINATION, lambda o: {"pk": o.ambition.pk}
    ),
    "contract_coordination:add_lead": Page(
        ARMENTIERES_COORDINATION, lambda o: {"pk": o.objective.pk}
    ),
    # volets communaux: any coordinator opens the pages; loading or creating the volet
    # of a commune outside their scope is refused (cdvs/contract/tests/test_volet.py)
    "contract_coordination:create_volet": Page(COORDINATION),
    "contract_coordination:load_volet": Page(COORDINATION),
    # API (read-only, public)
    "api:openapi-json": Page(PUBLIC),
    "api:openapi-view": Page(PUBLIC),
    "api:api-root": Page(expect(404, 404, 404, 404, 404, 404, 404)),
    "api:contract": Page(PUBLIC),
    "api:tree": Page(PUBLIC),
    "api:enjeu": Page(PUBLIC, lambda o: {"number": o.enjeu.number}),
    # plan d'actions: partners read; the porteur's people and the coordinators of the
    # action's commune edit; the coordinators of that commune manage and fund
    "actions:list": Page(PARTNERS_CONTENT),
    # an action not yet public (a projet): its porteur's people and its commune's
    # coordination (cdvs/actions/access.py); a public action is read by everyone
    "actions:detail": Page(
        expect(LOGIN, 403, 200, 200, 200, 403, 200), lambda o: {"pk": o.action.pk}
    ),
    # the API of the plan d'actions: the list answers everyone with what they may read
    "api:actions": Page(PUBLIC),
    "api:action": Page(expect(404, 404, 200, 200, 200, 404, 200), lambda o: {"pk": o.action.pk}),
    "api:programmations": Page(PUBLIC),
    # not yet arrêtée: the coordination of Armentières only
    "api:programmation": Page(
        expect(404, 404, 404, 404, 200, 404, 200), lambda o: {"pk": o.programmation.pk}
    ),
    "actions:export": Page(PARTNERS_CONTENT, lambda o: {"fmt": "csv"}),
    "actions_coordination:create": Page(COORDINATION),
    "actions_coordination:trash": Page(COORDINATION),
    "actions_coordination:edit": Page(
        expect(LOGIN, 403, 200, 200, 200, 403, 200), lambda o: {"pk": o.action.pk}
    ),
    **{
        f"actions_coordination:{name}": Page(
            ARMENTIERES_COORDINATION, lambda o: {"pk": o.action.pk}
        )
        for name in ("status", "add_funding", "delete", "history")
    },
    # programmation annuelle: partners once arrêtée; here under instruction
    "actions:programmations": Page(PARTNERS_CONTENT),
    "actions:programmation": Page(ARMENTIERES_COORDINATION, lambda o: {"pk": o.programmation.pk}),
    "actions:programmation_export": Page(
        ARMENTIERES_COORDINATION, lambda o: {"pk": o.programmation.pk, "fmt": "csv"}
    ),
    "actions_coordination:programmation_create": Page(COORDINATION),
    "actions:conventions": Page(PARTNERS_CONTENT),
    "actions:dashboard": Page(PARTNERS_CONTENT),
    "actions:convention": Page(PARTNERS_CONTENT, lambda o: {"pk": o.convention.pk}),
    "actions_coordination:convention_create": Page(COORDINATION),
    "actions_coordination:convention_edit": Page(
        ARMENTIERES_COORDINATION, lambda o: {"pk": o.convention.pk}
    ),
    "actions_coordination:avenant": Page(
        ARMENTIERES_COORDINATION, lambda o: {"pk": o.convention_year.pk}
    ),
    # the yearly cycle: any coordinator may press (each creates within their own CPO)
    "actions_coordination:cycle_year": Page(
        expect(LOGIN, 403, 403, 403, 302, 302, 302), lambda o: {"year": 2025}, "post"
    ),
    # engagements de droit commun: partners read; the coordinators of the engagement's
    # commune (contract-wide: any) enter and review them
    "actions:engagements": Page(PARTNERS_CONTENT),
    "actions:engagement": Page(PARTNERS_CONTENT, lambda o: {"pk": o.engagement.pk}),
    "actions:engagements_export": Page(PARTNERS_CONTENT, lambda o: {"fmt": "csv"}),
    "actions_coordination:engagement_create": Page(COORDINATION),
    **{
        f"actions_coordination:{name}": Page(
            ARMENTIERES_COORDINATION, lambda o: {"pk": o.engagement.pk}
        )
        for name in ("engagement_edit", "engagement_review", "engagement_delete")
    },
    "actions_coordination:engagement_history": Page(
        ARMENTIERES_COORDINATION, lambda o: {"pk": o.deleted_engagement.pk}
    ),
    "actions_coordination:engagement_restore": Page(
        ARMENTIERES_POST, lambda o: {"pk": o.deleted_engagement.pk}, "post"
    ),
    # projets phares: partners read; the coordinators of the action's commune follow them
    "actions:flagships": Page(PARTNERS_CONTENT),
    "actions:flagship": Page(PARTNERS_CONTENT, lambda o: {"pk": o.flagship.pk}),
    "actions_coordination:flagship_create": Page(COORDINATION),
    **{
        f"actions_coordination:{name}": Page(
            ARMENTIERES_COORDINATION, lambda o: {"pk": o.flagship.pk}
        )
        for name in ("flagship_edit", "flagship_remove", "milestone_add")
    },
    "actions_coordination:milestone_edit": Page(
        ARMENTIERES_COORDINATION, lambda o: {"pk": o.milestone.pk}
    ),
    "actions_coordination:report": Page(
        ARMENTIERES_COORDINATION,
        lambda o: {"pk": o.flagship.pk, "meeting": o.steering_meeting.pk},
    ),
    "actions_coordination:request_create": Page(
        PARTNERS_CONTENT, lambda o: {"pk": o.programmation.pk}
    ),
    "actions_coordination:programmation_close": Page(
        ARMENTIERES_POST, lambda o: {"pk": o.programmation.pk}, "post"
    ),
    **{
        f"actions_coordination:{name}": Page(
            ARMENTIERES_COORDINATION, lambda o: {"pk": o.request.pk}
        )
        for name in ("request", "opinion", "decision")
    },
    "actions_coordination:request_file": Page(
        expect(LOGIN, 403, 404, 404, 404, 403, 404), lambda o: {"pk": o.request.pk}
    ),
    "actions_coordination:budget": Page(
        expect(LOGIN, 403, 200, 200, 200, 403, 200), lambda o: {"pk": o.action.pk, "year": 2025}
    ),
    "actions_coordination:edit_funding": Page(
        ARMENTIERES_COORDINATION, lambda o: {"pk": o.funding_line.pk}
    ),
    "actions_coordination:restore": Page(
        ARMENTIERES_POST, lambda o: {"pk": o.deleted_action.pk}, "post"
    ),
    # participation: residents' pages public, no account; the coordinators of the
    # campaign's (council's, meeting's) commune manage
    **{f"participation:{name}": Page(PUBLIC) for name in ("index", "falc", "near")},
    "participation:campaign": Page(PUBLIC, lambda o: {"pk": o.campaign.pk}),
    "participation:export": Page(PUBLIC, lambda o: {"pk": o.campaign.pk, "fmt": "csv"}),
    "participation:deposit": Page(PUBLIC, lambda o: {"pk": o.campaign.pk}),
    "participation:idea": Page(PUBLIC, lambda o: {"pk": o.idea.pk}),
    # the signed token in the address is the credential
    "participation:my_idea": Page(PUBLIC, lambda o: {"token": o.idea_token}),
    "participation:erase_email": Page(
        expect(303, 303, 303, 303, 303, 303, 303), lambda o: {"token": o.idea_token}, "post"
    ),
    "participation:attend": Page(PUBLIC, lambda o: {"pk": o.public_meeting.pk}),
    **{
        f"participation_coordination:{name}": Page(COORDINATION)
        for name in ("campaigns", "create_campaign", "create_council", "requests")
    },
    **{
        f"participation_coordination:{name}": Page(
            ARMENTIERES_COORDINATION, lambda o: {"pk": o.campaign.pk}
        )
        for name in ("ideas", "edit_campaign", "add_support", "add_idea", "import_votes")
    },
    **{
        f"participation_coordination:{name}": Page(
            ARMENTIERES_COORDINATION, lambda o: {"pk": o.idea.pk}
        )
        for name in ("idea_status", "idea_history")
    },
    "participation_coordination:edit_council": Page(
        ARMENTIERES_COORDINATION, lambda o: {"pk": o.council.pk}
    ),
    "participation_coordination:helpers": Page(
        ARMENTIERES_COORDINATION, lambda o: {"pk": o.attendance_request.pk}
    ),
    "participation_coordination:invite": Page(
        ARMENTIERES_POST, lambda o: {"pk": o.attendance_request.pk}, "post"
    ),
    # evaluation: public pages; coordinators add and import measurements, the history
    # of a measurement for the coordinators of its territory
    "evaluation:index": Page(PUBLIC),
    "evaluation:panorama": Page(PUBLIC),
    "evaluation:diagnostic": Page(PUBLIC, lambda o: {"pk": o.world.territories["armentieres"].pk}),
    "evaluation:indicators": Page(PUBLIC),
    "evaluation:indicator": Page(PUBLIC, lambda o: {"pk": o.indicator.pk}),
    "evaluation:targets": Page(PUBLIC),
    # bilans: the porteur's people write their action's bilan, with the coordinators of
    # its commune; every coordinator sees the bilans list (of their territory)
    "evaluation:bilans": Page(COORDINATION),
    "evaluation:bilan": Page(
        expect(LOGIN, 403, 200, 200, 200, 403, 200), lambda o: {"pk": o.bilan.pk}
    ),
    "evaluation:bilan_addresses": Page(
        expect(LOGIN, 403, 200, 200, 200, 403, 200), lambda o: {"pk": o.bilan.pk}
    ),
    "evaluation:bilan_create": Page(
        expect(LOGIN, 403, 200, 200, 200, 403, 200), lambda o: {"pk": o.action.pk}
    ),
    "evaluation:report": Page(PUBLIC, lambda o: {"pk": o.report.pk}),
    "evaluation:report_odt": Page(PUBLIC, lambda o: {"pk": o.report.pk}),
    "evaluation:report_docx": Page(PUBLIC, lambda o: {"pk": o.report.pk}),
    "evaluation_coordination:reports": Page(COORDINATION),
    # collective evaluation: public groups (residents' names only for the coordinators
    # of the group's commune, who manage it)
    "evaluation:groups": Page(PUBLIC),
    "evaluation:enjeu_dashboard": Page(PUBLIC, lambda o: {"pk": o.enjeu.pk}),
    "evaluation:territory_dashboard": Page(
        PUBLIC, lambda o: {"pk": o.world.territories["armentieres"].pk}
    ),
    "evaluation:group": Page(PUBLIC, lambda o: {"pk": o.working_group.pk}),
    "evaluation_coordination:group_create": Page(COORDINATION),
    "evaluation_coordination:group_manage": Page(
        ARMENTIERES_COORDINATION, lambda o: {"pk": o.working_group.pk}
    ),
    "evaluation_coordination:recommendation": Page(
        ARMENTIERES_COORDINATION, lambda o: {"pk": o.recommendation.pk}
    ),
    "evaluation_coordination:adjustment_create": Page(COORDINATION),
    "evaluation_coordination:add_measurement": Page(COORDINATION),
    "evaluation_coordination:import": Page(COORDINATION),
    "evaluation_coordination:history": Page(
        ARMENTIERES_COORDINATION, lambda o: {"pk": o.measurement.pk}
    ),
    # calls for projects: a partners' call managed in Armentières
    "calls:list": Page(PUBLIC),
    "calls:detail": Page(PARTNERS_CONTENT, lambda o: {"pk": o.call.pk}),
    "calls:attachment": Page(
        expect(LOGIN, 403, 404, 404, 404, 404, 404),
        lambda o: {"pk": o.call.pk, "attachment_pk": o.call_attachment.pk},
    ),
    "calls:export": Page(PUBLIC, lambda o: {"fmt": "csv"}),
    "calls:public_feed": Page(PUBLIC),
    "calls:alerts": Page(PERSON),
    # an empty form: back to the list with a message
    "calls:save_search": Page(expect(LOGIN, 302, 302, 302, 302, 302, 302), method="post"),
    "calls:organisation_alerts": Page(expect(LOGIN, 302, 302, 302, 302, 302, 302), method="post"),
    # only its owner (the member) may delete a saved search
    "calls:delete_search": Page(
        expect(LOGIN, 404, 404, 302, 404, 404, 404), lambda o: {"pk": o.saved_search.pk}, "post"
    ),
    # the signed token in the address is the credential
    "calls:search_feed": Page(PUBLIC, lambda o: {"token": o.search_feed_token}),
    "calls:unsubscribe": Page(PUBLIC, lambda o: {"token": o.call_unsubscribe_token}),
    "calls_coordination:create": Page(COORDINATION),
    "calls_coordination:import": Page(COORDINATION),
    "calls_coordination:trash": Page(COORDINATION),
    **{
        f"calls_coordination:{name}": Page(ARMENTIERES_COORDINATION, lambda o: {"pk": o.call.pk})
        for name in ("edit", "delete", "history", "attachments")
    },
    "calls_coordination:restore": Page(
        ARMENTIERES_POST, lambda o: {"pk": o.deleted_call.pk}, "post"
    ),
    "calls_coordination:remove_attachment": Page(
        ARMENTIERES_POST, lambda o: {"pk": o.call_attachment.pk}, "post"
    ),
    "api:calls": Page(PUBLIC),
    "api:call": Page(expect(404, 404, 200, 200, 200, 200, 200), lambda o: {"pk": o.call.pk}),
    # meetings: what one sees follows the meeting's visibility (here: partners)
    "meetings:index": Page(PUBLIC),
    "meetings:current_month": Page(PUBLIC),
    "meetings:month": Page(PUBLIC, lambda o: {"year": 2025, "month": 3}),
    "meetings:series_list": Page(PUBLIC),
    "meetings:series": Page(PARTNERS_CONTENT, lambda o: {"pk": o.series.pk}),
    "meetings:organisation": Page(PUBLIC, lambda o: {"pk": o.world.organisations["asso_arm"].pk}),
    "meetings:mine": Page(PERSON),
    "meetings:detail": Page(PARTNERS_CONTENT, lambda o: {"pk": o.meeting.pk}),
    "meetings:propose": Page(PARTNERS_CONTENT, lambda o: {"pk": o.meeting.pk}),
    "meetings:next_steps": Page(PUBLIC),
    "meetings:create_token": Page(expect(LOGIN, 403, 302, 302, 302, 302, 302), method="post"),
    # only its owner (the member) may revoke a token
    "meetings:revoke_token": Page(
        expect(LOGIN, 404, 404, 302, 404, 404, 404), lambda o: {"pk": o.feed_token.pk}, "post"
    ),
    "meetings:public_feed": Page(PUBLIC),
    "meetings:public_series_feed": Page(PUBLIC, lambda o: {"pk": o.public_series.pk}),
    # private feeds: the token in the address is the credential (the member's here)
    "meetings:private_feed": Page(PUBLIC, lambda o: {"token": o.feed_token.token}),
    "meetings:private_mine_feed": Page(PUBLIC, lambda o: {"token": o.feed_token.token}),
    "meetings:private_series_feed": Page(
        PUBLIC, lambda o: {"token": o.feed_token.token, "pk": o.series.pk}
    ),
    "meetings:private_organisation_feed": Page(
        PUBLIC,
        lambda o: {"token": o.feed_token.token, "pk": o.world.organisations["asso_arm"].pk},
    ),
    "meetings:export": Page(COORDINATION, lambda o: {"table": "reunions", "fmt": "csv"}),
    # the signed link of a mailing is the credential (anyone holding it may confirm)
    "meetings:unsubscribe": Page(
        PUBLIC,
        lambda o: {"token": unsubscribe_token(o.series.pk, "membre@example.org")},
    ),
    "meetings_coordination:create": Page(COORDINATION),
    "meetings_coordination:trash": Page(COORDINATION),
    "meetings_coordination:edit_series": Page(
        ARMENTIERES_COORDINATION, lambda o: {"pk": o.series.pk}
    ),
    **{
        f"meetings_coordination:{name}": Page(
            ARMENTIERES_COORDINATION, lambda o: {"pk": o.meeting.pk}
        )
        for name in (
            "edit",
            "cancel",
            "delete",
            "agenda",
            "attendance",
            "minutes",
            "add_next_step",
            "invitations",
            "history",
        )
    },  # fmt: skip
    **{
        f"meetings_coordination:{name}": Page(
            ARMENTIERES_POST, lambda o: {"pk": o.meeting.pk}, "post"
        )
        for name in ("reinstate", "apply_template", "publish_minutes")
    },
    "meetings_coordination:restore": Page(
        ARMENTIERES_POST, lambda o: {"pk": o.deleted_meeting.pk}, "post"
    ),
    "meetings_coordination:edit_item": Page(ARMENTIERES_COORDINATION, lambda o: {"pk": o.item.pk}),
    **{
        f"meetings_coordination:{name}": Page(ARMENTIERES_POST, lambda o: {"pk": o.item.pk}, "post")
        for name in ("delete_item", "decide_item", "raise_item", "move_item")
    },
    "meetings_coordination:edit_next_step": Page(
        ARMENTIERES_COORDINATION, lambda o: {"pk": o.step.pk}
    ),
    "api:meeting_series": Page(PUBLIC),
    "api:meetings": Page(PUBLIC),
    "api:next_steps": Page(PUBLIC),
    # a partners' meeting: not found for those who may not see it
    "api:meeting": Page(expect(404, 404, 200, 200, 200, 200, 200), lambda o: {"pk": o.meeting.pk}),
    # library: a partners' document of the Armentières association, a public actualité
    "library:documents": Page(PUBLIC),
    "library:upload": Page(expect(LOGIN, 403, 200, 200, 200, 200, 200)),
    "library:detail": Page(PARTNERS_CONTENT, lambda o: {"pk": o.document.pk}),
    **{
        f"library:{name}": Page(
            expect(LOGIN, 403, 200, 200, 200, 403, 200), lambda o: {"pk": o.document.pk}
        )
        for name in ("edit", "new_version")
    },
    **{
        f"library:{name}": Page(
            PARTNERS_CONTENT, lambda o: {"pk": o.document.pk, "vpk": o.version.pk}
        )
        for name in ("download", "preview")
    },
    "library_coordination:trash": Page(COORDINATION),
    "library_coordination:export": Page(COORDINATION, lambda o: {"fmt": "csv"}),
    "library_coordination:delete": Page(ARMENTIERES_COORDINATION, lambda o: {"pk": o.document.pk}),
    "library_coordination:history": Page(ARMENTIERES_COORDINATION, lambda o: {"pk": o.document.pk}),
    "library_coordination:restore": Page(
        ARMENTIERES_POST, lambda o: {"pk": o.deleted_document.pk}, "post"
    ),
    "library_coordination:moderation": Page(COORDINATION),
    "library_coordination:moderation_settings": Page(COORDINATION),
    "library_coordination:moderate": Page(ARMENTIERES_POST, lambda o: {"pk": o.news.pk}, "post"),
    "library_coordination:delete_news": Page(ARMENTIERES_COORDINATION, lambda o: {"pk": o.news.pk}),
    "library_coordination:restore_news": Page(
        ARMENTIERES_POST, lambda o: {"pk": o.deleted_news.pk}, "post"
    ),
    "news:index": Page(PUBLIC),
    "news:create": Page(expect(LOGIN, 403, 200, 200, 200, 200, 200)),
    "news:detail": Page(PUBLIC, lambda o: {"pk": o.news.pk}),
    # its author (the carrier), its organisation (the member) and its coordinator
    "news:edit": Page(expect(LOGIN, 403, 200, 200, 200, 403, 200), lambda o: {"pk": o.news.pk}),
    "news:rss": Page(PUBLIC),
    "news:atom": Page(PUBLIC),
    "news:digest": Page(expect(LOGIN, 403, 200, 200, 200, 200, 200)),
    # the signed token in the address is the credential (no login needed)
    "news:unsubscribe": Page(PUBLIC, lambda o: {"token": o.unsubscribe_token}),
    "api:documents": Page(PUBLIC),
    "api:document": Page(
        expect(404, 404, 200, 200, 200, 200, 200), lambda o: {"pk": o.document.pk}
    ),
    "api:news_list": Page(PUBLIC),
    "api:news": Page(PUBLIC, lambda o: {"pk": o.news.pk}),
    "api:list_territories": Page(PUBLIC),
    "api:geojson_layer": Page(PUBLIC, lambda o: {"kind": "commune"}),
    "api:territory_detail": Page(PUBLIC, lambda o: ARMENTIERES),
    "api:locate_one": Page(PUBLIC, query="lat=50.69&lon=2.88"),
    "api:locate_many": Page(PUBLIC, method="post", json={"points": [{"lat": 50.69, "lon": 2.88}]}),
    # search: everyone; what each role finds is tested in cdvs/search/tests
    "search:index": Page(PUBLIC, query="q=point"),
    "api:search": Page(PUBLIC, query="q=point"),
    "api:evaluation_indicators": Page(PUBLIC),
    "api:evaluation_indicator": Page(PUBLIC, lambda o: {"pk": o.indicator.pk}),
    "api:evaluation_measurements": Page(PUBLIC, query="annee=2020"),
    "api:evaluation_targets": Page(PUBLIC),
    # Django admin: administrators only; others are sent to the admin login page
    "admin:login": Page(expect(200, 200, 200, 200, 200, 200, 302)),
    "admin:logout": Page(expect(LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, 405)),
    "admin:autocomplete": Page(expect(LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, 403)),
    # read-only models (login attempts, task results): nobody adds rows by hand
    **{
        f"admin:{model}_add": Page(expect(LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, 403))
        for model in (
            "axes_accessattempt",
            "axes_accessfailurelog",
            "axes_accesslog",
            "django_tasks_database_dbtaskresult",
        )
    },
    "admin:app_list": Page(ADMIN_ONLY, lambda o: {"app_label": "accounts"}),
    "admin:accounts_user_change": Page(
        ADMIN_ONLY, lambda o: {"object_id": o.world.users["membre"].pk}
    ),
    "admin:accounts_invitation_change": Page(ADMIN_ONLY, lambda o: {"object_id": o.invitation.pk}),
    "admin:directory_organisation_history": Page(
        ADMIN_ONLY, lambda o: {"object_id": o.world.organisations["asso_arm"].pk}
    ),
}

# every other admin page without parameters is ADMIN_ONLY (each is checked); admin
# pages with parameters all go through the same `admin_view` gate
# (`admin.site.has_permission`, i.e. `permissions.can(user, "admin.site")`) that the
# object pages listed above check.
ADMIN_DEFAULT = ADMIN_ONLY


def _walk(resolver=None, prefix="", namespaces=()):
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            ns = namespaces + ((pattern.namespace,) if pattern.namespace else ())
            yield from _walk(pattern, prefix + str(pattern.pattern), ns)
        elif isinstance(pattern, URLPattern):
            name = ":".join(namespaces + (pattern.name,)) if pattern.name else None
            route = prefix + str(pattern.pattern)
            yield name, route, pattern.pattern.regex.groups > 0 or "<" in route


def _admin_pages():
    return sorted(
        name
        for name, _, has_params in _walk()
        if name and name.startswith("admin:") and not has_params and name not in PAGES
    )


def _cases():
    cases = [(name, role) for name in PAGES for role in ROLES]
    cases += [(name, role) for name in _admin_pages() for role in ROLES]
    return cases


def test_every_url_is_in_the_matrix():
    missing = []
    for name, route, _ in _walk():
        if name in PAGES:
            continue
        if name is None or name.startswith("admin:"):
            # unnamed admin catch-alls; admin pages are checked by rule (see above)
            assert name is not None or route.startswith("admin/"), route
            continue
        missing.append(f"{name} ({route})")
    assert not missing, (
        "Pages absentes de la matrice des permissions : ajoutez-les à PAGES dans "
        "cdvs/accounts/tests/test_permissions_matrix.py : " + ", ".join(missing)
    )
    stale = [name for name in PAGES if name not in {n for n, _, _ in _walk()}]
    assert not stale, f"Pages de la matrice qui n'existent plus : {stale}"


@pytest.fixture(scope="module")
def _shared_objects(django_db_setup, django_db_blocker):
    """Built once for the module inside a transaction rolled back at its end; each test
    runs in a savepoint of it (like `TestCase.setUpTestData`), so writes don't leak."""
    with django_db_blocker.unblock(), transaction.atomic():
        objects = Objects(World.build())
        yield objects
        objects.cleanup()
        transaction.set_rollback(True)


@pytest.fixture
def objects(db, _shared_objects):
    return _shared_objects


@pytest.fixture
def world(objects):
    """The world of cdvs/conftest.py, here the one of the shared objects (built once
    for the module)."""
    return objects.world


@pytest.mark.parametrize(("name", "role"), _cases())
def test_page_status_per_role(client, objects, name, role):
    page = PAGES.get(name) or Page(ADMIN_DEFAULT)
    kwargs = page.kwargs(objects) if page.kwargs else None
    url = reverse(name, kwargs=kwargs)
    if page.query:
        url = f"{url}?{page.query}"
    user = objects.world.users[role]
    if user is not None:
        client.force_login(user)
    if page.json is not None:
        response = client.post(url, page.json, content_type="application/json")
    else:
        response = getattr(client, page.method)(url)
    if response.streaming:  # read streamed files to the end (this closes them)
        b"".join(response.streaming_content)
    expected = page.expected[role]
    assert response.status_code == expected, f"{page.method.upper()} {url} as {role}"
    if expected == LOGIN and user is None:
        # (the admin sends its logout page to its index, which then asks to log in)
        login = "/admin/" if name.startswith("admin:") else reverse("accounts:login")
        assert response["Location"].startswith(login), response["Location"]
    if expected == 403:
        assert "Accès refusé" in response.content.decode()


# role × permission × object: objects are organisations placed in Armentières (a QPV
# there), in Lille, and without territory; "page" is the check without object.
# Rules limited to a territory, and rules open to a role whatever the object, follow
# the profiles below (derived from the rule's role); other rules (e.g. ORGANISATION
# scope) are written out in EXPLICIT.
OBJECTS = ["page", "asso_arm", "asso_lille", "no_territory"]
Y, N = True, False
_OWN_ORGANISATION = {
    "anonyme": [N, N, N, N],
    "sans_role": [N, N, N, N],
    "porteur": [Y, Y, N, N],
    "membre": [Y, Y, N, N],
    "coordinateur": [Y, Y, N, Y],
    "coordinateur_lille": [Y, N, Y, Y],
    "administrateur": [Y, Y, Y, Y],
}
EXPLICIT = {
    "directory.edit": _OWN_ORGANISATION,
    "library.edit": _OWN_ORGANISATION,
    "actions.edit": _OWN_ORGANISATION,
    "evaluation.edit_bilan": _OWN_ORGANISATION,
    "accounts.view_members": {
        "anonyme": [N, N, N, N],
        "sans_role": [N, N, N, N],
        "porteur": [Y, Y, N, N],
        "membre": [Y, Y, N, N],
        "coordinateur": [Y, Y, N, Y],
        "coordinateur_lille": [Y, N, Y, Y],
        "administrateur": [Y, Y, Y, Y],
    },
}
TERRITORIAL = {
    "anonyme": [N, N, N, N],
    "sans_role": [N, N, N, N],
    "porteur": [N, N, N, N],
    "membre": [N, N, N, N],
    "coordinateur": [Y, Y, N, Y],
    "coordinateur_lille": [Y, N, Y, Y],
    "administrateur": [Y, Y, Y, Y],
}
# the role each person under test holds
HOLDS = {
    "anonyme": p.ANONYMOUS,
    "sans_role": p.ANONYMOUS,
    "porteur": p.CARRIER,
    "membre": p.MEMBER,
    "coordinateur": p.COORDINATOR,
    "coordinateur_lille": p.COORDINATOR,
    "administrateur": p.ADMIN,
}


def _expected(perm):
    if perm in EXPLICIT:
        return EXPLICIT[perm]
    rule = p.rule_for(perm)
    if rule.scope == p.TERRITORY:
        return TERRITORIAL
    assert rule.scope == p.ANY, f"{perm} : écrivez sa ligne dans EXPLICIT"
    return {role: [p.has_rank(HOLDS[role], rule.role)] * 4 for role in ROLES}


def test_roles_of_the_people_under_test(world):
    for role, user in world.users.items():
        assert p.role_of(user) == HOLDS[role]


def test_some_rules_are_as_the_product_expects():
    assert p.rule_for("contract.view") == p.Rule(p.ANONYMOUS)
    assert p.rule_for("partners.view") == p.Rule(p.CARRIER)
    assert p.rule_for("accounts.invite") == p.Rule(p.COORDINATOR, p.TERRITORY)
    assert p.rule_for("admin.site") == p.Rule(p.ADMIN)


@pytest.mark.parametrize("perm", sorted(p.RULES))
@pytest.mark.parametrize("role", ROLES)
def test_permission_per_role_and_object(world, perm, role):
    user = world.users[role]
    for obj_key, expected in zip(OBJECTS, _expected(perm)[role], strict=True):
        obj = None if obj_key == "page" else world.organisations[obj_key]
        assert p.can(user, perm, obj) is expected, (perm, role, obj_key)


@pytest.mark.parametrize("visibility", p.Visibility.values)
@pytest.mark.parametrize("role", ROLES)
def test_visibility_per_role(world, role, visibility):
    user = world.users[role]
    assert p.can_view(user, visibility) is (visibility in SEES[role])
