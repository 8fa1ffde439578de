"""Totals reconcile to the cent, across lines, natures and years, on the page's
arithmetic and in the export (property-based)."""

import csv
import io
from decimal import Decimal

from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from cdvs.actions.models import Action, FundingLine, Nature, funding_totals
from cdvs.actions.views import EXPORT_HEADERS
from cdvs.contract.models import Contract
from cdvs.testing import World

cents = st.integers(min_value=0, max_value=10**10).map(lambda c: Decimal(c) / 100)
lines = st.lists(
    st.tuples(cents, cents, st.sampled_from(Nature.values), st.integers(2024, 2030)),
    min_size=0,
    max_size=12,
)


class MoneyTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.world = World.build()
        contract = Contract.objects.create(
            name="Contrat", epci=cls.world.territories["mel"], start_year=2024, end_year=2030
        )
        cls.action = Action.objects.create(
            contract=contract, title="Atelier", porteur=cls.world.organisations["asso_arm"],
            commune=cls.world.territories["armentieres"],
        )  # fmt: skip

    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(lines)
    def test_totals_reconcile_to_the_cent(self, drawn):
        FundingLine.objects.all().delete()
        for requested, granted, nature, year in drawn:
            FundingLine.objects.create(
                action=self.action, year=year, funder_kind="commune", nature=nature,
                requested=requested, granted=min(granted, requested),
            )  # fmt: skip
        stored = list(FundingLine.objects.all())
        totals = funding_totals(stored)
        for name in ("requested", "granted"):
            expected = sum((getattr(line, name) for line in stored), Decimal("0"))
            by_nature = sum((t[name] for t in totals["natures"].values()), Decimal("0"))
            by_year = sum(
                (
                    funding_totals([line for line in stored if line.year == y])["all"][name]
                    for y in {line.year for line in stored}
                ),
                Decimal("0"),
            )
            assert totals["all"][name] == by_nature == by_year == expected
            assert totals["all"][name] == totals["all"][name].quantize(Decimal("0.01"))
        # the export carries the same sums, to the cent
        self.client.force_login(self.world.users["coordinateur"])
        response = self.client.get(reverse("actions:export", args=["csv"]))
        content = b"".join(response.streaming_content).decode("utf-8-sig")
        rows = list(csv.reader(io.StringIO(content), delimiter=";"))
        row = dict(zip(EXPORT_HEADERS, rows[1], strict=True))
        assert Decimal(row["Demandé (€)"]) == totals["all"]["requested"]
        assert Decimal(row["Accordé (€)"]) == totals["all"]["granted"]
        assert (
            Decimal(row["Crédits spécifiques accordés (€)"])
            == (totals["natures"][Nature.SPECIFIC]["granted"])
        )
        assert (
            Decimal(row["Droit commun accordé (€)"])
            == (totals["natures"][Nature.COMMON_LAW]["granted"])
        )


funded = st.lists(
    st.tuples(
        st.integers(0, 2),  # which action
        st.sampled_from(["etat_pv", "commune", "mel", "caf"]),
        st.sampled_from(Nature.values),
        st.integers(2024, 2030),
        cents,
        cents,
    ),
    min_size=0,
    max_size=15,
)


class ProgrammationMoneyTests(TestCase):
    """The programmation's totals reconcile to the cent: per funder, per enjeu, overall,
    and in its export, across actions, funders and years."""

    @classmethod
    def setUpTestData(cls):
        from datetime import date

        from cdvs.actions.models import Programmation, Request
        from cdvs.contract.models import Ambition, Enjeu, Objective
        from cdvs.testing import make_call

        cls.world = World.build()
        t = cls.world.territories
        contract = Contract.objects.create(name="C", epci=t["mel"], start_year=2024,
                                           end_year=2030)  # fmt: skip
        enjeu = Enjeu.objects.create(contract=contract, number=1, title="Cohésion")
        ambition = Ambition.objects.create(enjeu=enjeu, scale="local", text="A")
        objective = Objective.objects.create(ambition=ambition, enjeu=enjeu, text="O")
        cls.programmation = Programmation.objects.create(
            call=make_call("Programmation"), contract=contract, year=2025
        )
        cls.actions = []
        for n in range(3):
            action = Action.objects.create(contract=contract, title=f"A{n}",
                                           porteur=cls.world.organisations["asso_arm"])  # fmt: skip
            action.objectives.set([objective])
            Request.objects.create(programmation=cls.programmation, action=action,
                                   submitted_on=date(2025, 2, 1))  # fmt: skip
            cls.actions.append(action)

    @settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(funded)
    def test_programmation_totals_reconcile(self, drawn):
        from cdvs.actions import programmation as table_of

        FundingLine.objects.all().delete()
        for which, kind, nature, year, requested, granted in drawn:
            FundingLine.objects.create(
                action=self.actions[which], year=year, funder_kind=kind, nature=nature,
                requested=requested, granted=min(granted, requested),
            )  # fmt: skip
        of_year = [line for line in FundingLine.objects.all() if line.year == 2025]
        data = table_of.table(self.programmation, self.world.users["coordinateur"])
        for name in ("requested", "granted"):
            expected = sum((getattr(line, name) for line in of_year), Decimal("0"))
            per_funder = sum((t[name] for _, t in data["funders"]), Decimal("0"))
            per_enjeu = sum((t[name] for _, t in data["enjeux"]), Decimal("0"))
            per_row = sum((r["totals"][name] for r in data["page"].object_list), Decimal("0"))
            assert data["total"][name] == per_funder == per_row == expected
            assert per_enjeu == (expected if of_year else Decimal("0"))
        self.client.force_login(self.world.users["coordinateur"])
        response = self.client.get(
            reverse("actions:programmation_export", args=[self.programmation.pk, "csv"])
        )
        content = b"".join(response.streaming_content).decode("utf-8-sig")
        rows = list(csv.reader(io.StringIO(content), delimiter=";"))
        column = rows[0].index("Accordé (€)")
        exported = sum((Decimal(r[column]) for r in rows[1:] if r[column]), Decimal("0"))
        assert exported == data["total"]["granted"]
