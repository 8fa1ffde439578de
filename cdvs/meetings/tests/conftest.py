import pytest


@pytest.fixture
def contract(world):
    """The real contract file loaded over the test world (MEL, Armentières)."""
    import yaml

    from cdvs.contract.loader import DEFAULT_FILE, load
    from cdvs.territories.models import Kind, Territory

    data = yaml.safe_load(DEFAULT_FILE.read_text(encoding="utf-8"))
    for pac in data.get("priority_areas", {}).get("pac", []):
        Territory.objects.get_or_create(
            kind=Kind.COMMUNE,
            code=str(pac["insee"]),
            defaults={"name": f"Commune {pac['insee']}", "parent": world.territories["mel"]},
        )
    load()
    return world


@pytest.fixture
def instances(contract):
    """The instances of Armentières and their meetings over 2024-2030."""
    from cdvs.meetings.loader import load

    load()
    return contract


class Agenda:
    """A small agenda in Armentières: a point d'actu (partners), a GPO (coordination,
    feeding the point d'actu), a public conseil de quartier; meetings over 2025."""

    def __init__(self, world):
        from datetime import date, time

        from cdvs.meetings.generation import generate
        from cdvs.meetings.models import MeetingSeries

        o, t = world.organisations, world.territories
        common = dict(
            commune=t["armentieres"], period_start=date(2025, 1, 1), period_end=date(2025, 12, 31)
        )
        self.world = world
        self.point = MeetingSeries.objects.create(
            key="test-point-actu",
            name="Point d'actu – Acteurs QPV",
            short_name="Point d'actu des acteurs QPV",
            organiser=o["pv_arm"],
            visibility="partenaires",
            format="visio",
            duration_minutes=60,
            period="mois",
            months=[1, 3, 5, 7, 9, 11],
            weekday=0,
            nth=1,
            working_day=True,
            start_time=time(14, 0),
            **common,
        )
        self.point.participants.add(o["asso_arm"])
        self.gpo = MeetingSeries.objects.create(
            key="test-gpo",
            name="GPO",
            visibility="coordination",
            period="mois",
            months=list(range(1, 13)),
            feeds_into=self.point,
            **common,
        )
        self.conseil = MeetingSeries.objects.create(
            key="test-conseils", name="Conseils de quartier", visibility="public",
            period="trimestre", feeds_into=self.point, **common,
        )  # fmt: skip
        for series in (self.point, self.gpo, self.conseil):
            generate(series)

    def meeting(self, series, occurrence):
        return series.meetings.get(occurrence=occurrence)


@pytest.fixture
def agenda(world):
    return Agenda(world)
