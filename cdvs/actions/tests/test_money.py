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
    """The programmation's totals, summed by the database, reconcile to the cent with the
    lines summed in Python: per funder, per nature, per enjeu (an action of two
    objectives of one enjeu counts once), per QPV / PAC, overall, in its exports (CSV,
    ODS, XLSX reopened) and in the dashboard, across actions, funders and years."""

    @classmethod
    def setUpTestData(cls):
        from datetime import date

        from cdvs.actions.models import Programmation, Request
        from cdvs.contract.models import Ambition, Enjeu, Objective
        from cdvs.testing import make_call

        cls.world = World.build()
        t = cls.world.territories
        cls.contract = contract = Contract.objects.create(
            name="C", epci=t["mel"], start_year=2024, end_year=2030
        )
        enjeux = [Enjeu.objects.create(contract=contract, number=n, title=f"E{n}")
                  for n in (1, 2)]  # fmt: skip
        objectives = []
        for enjeu, n in ((enjeux[0], 1), (enjeux[0], 2), (enjeux[1], 3)):
            ambition = Ambition.objects.create(enjeu=enjeu, scale="local", text="A")
            objectives.append(Objective.objects.create(ambition=ambition, enjeu=enjeu,
                                                       text=f"O{n}"))  # fmt: skip
        cls.programmation = Programmation.objects.create(
            call=make_call("Programmation"), contract=contract, year=2025
        )
        # action 0: two objectives of enjeu 1, in a QPV and its commune; action 1: both
        # enjeux, two QPV; action 2: enjeu 2, no territory
        links = [
            ([objectives[0], objectives[1]], [t["qpv_arm"], t["armentieres"]]),
            ([objectives[1], objectives[2]], [t["qpv_arm"], t["qpv_lille"]]),
            ([objectives[2]], []),
        ]
        cls.actions = []
        for n, (served, places) in enumerate(links):
            action = Action.objects.create(contract=contract, title=f"A{n}",
                                           porteur=cls.world.organisations["asso_arm"])  # fmt: skip
            action.objectives.set(served)
            action.territories.set(places)
            Request.objects.create(programmation=cls.programmation, action=action,
                                   submitted_on=date(2025, 2, 1), decided_on=date(2025, 3, 1))  # fmt: skip
            cls.actions.append(action)
        cls.enjeux_of = [{1}, {1, 2}, {2}]
        cls.places_of = [{t["qpv_arm"].name}, {t["qpv_arm"].name, t["qpv_lille"].name}, set()]

    def _export(self, fmt):
        from cdvs.core.imports import read_table

        response = self.client.get(
            reverse("actions:programmation_export", args=[self.programmation.pk, fmt])
        )
        table = read_table(b"".join(response.streaming_content), f"export.{fmt}")
        column = table.headers.index("Accordé (€)")
        return sum((Decimal(cells[column]) for _, cells in table.rows if cells[column]),
                   Decimal("0"))  # fmt: skip

    @settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(funded)
    def test_programmation_totals_reconcile(self, drawn):
        from django.core.cache import cache

        from cdvs.actions import dashboard
        from cdvs.actions import programmation as table_of

        # each example is rolled back: SQLite gives the next one the same history ids,
        # hence the same data versions, so the cache starts empty as in each test
        cache.clear()
        FundingLine.objects.all().delete()
        for which, kind, nature, year, requested, granted in drawn:
            FundingLine.objects.create(
                action=self.actions[which], year=year, funder_kind=kind, nature=nature,
                requested=requested, granted=min(granted, requested),
            )  # fmt: skip
        stored = list(FundingLine.objects.all())
        of_year = [line for line in stored if line.year == 2025]
        data = table_of.table(self.programmation, self.world.users["coordinateur"])
        index = {a.pk: n for n, a in enumerate(self.actions)}
        assert data["total"] == funding_totals(of_year)["all"]
        for label, totals in data["funders"]:
            assert totals == funding_totals([x for x in of_year if x.funder_label == label])["all"]
        assert {label for label, _ in data["funders"]} == {x.funder_label for x in of_year}
        for label, totals in data["natures"]:
            nature = next(v for v, text in Nature.choices if text == label)
            assert totals == funding_totals(of_year)["natures"][nature]
        for label, totals in data["enjeux"]:
            number = int(label.split()[1])
            mine = [x for x in of_year if number in self.enjeux_of[index[x.action_id]]]
            assert totals == funding_totals(mine)["all"], label
        for name, totals in data["territories"]:
            mine = [x for x in of_year if name in self.places_of[index[x.action_id]]]
            assert totals == funding_totals(mine)["all"], name
        for name in ("requested", "granted"):
            per_row = sum((r["totals"][name] for r in data["page"].object_list), Decimal("0"))
            assert per_row == data["total"][name]
            assert data["total"][name] == data["total"][name].quantize(Decimal("0.01"))
        self.client.force_login(self.world.users["coordinateur"])
        for fmt in ("csv", "ods", "xlsx"):
            assert self._export(fmt) == data["total"]["granted"], fmt
        # the dashboard: granted, valorisation aside, per enjeu and per year
        board = dashboard.build(self.contract, 2025, self.world.users["coordinateur"])
        counted = [x for x in stored if x.granted and x.nature != Nature.OWN]
        for row in board["enjeux"]:
            number = int(row["label"].split()[1])
            mine = [x for x in counted if x.year == 2025
                    and number in self.enjeux_of[index[x.action_id]]]  # fmt: skip
            for nature in (Nature.SPECIFIC, Nature.COMMON_LAW):
                assert row[nature] == funding_totals(mine)["natures"][nature]["granted"]
        for row in board["years"]:
            mine = [x for x in counted if x.year == row["year"]]
            for nature in (Nature.SPECIFIC, Nature.COMMON_LAW):
                assert row[nature] == funding_totals(mine)["natures"][nature]["granted"]
        cpo_rows = {r["year"]: r for r in board["cpo"]}
        for year, row in cpo_rows.items():
            mine = [x for x in counted if x.year == year]
            assert row["amount"] == funding_totals(mine)["all"]["granted"]
            assert row["actions"] == len({x.action_id for x in mine})
