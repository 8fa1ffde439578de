from datetime import date, time

import pytest
import yaml

from cdvs.meetings.generation import generate
from cdvs.meetings.loader import RULES_FILE, InstancesFileError, load
from cdvs.meetings.models import AgendaItem, Meeting, MeetingSeries, MeetingStatus

PA = "armentieres-point-actu-acteurs-qpv"
RA = "armentieres-reunion-acteurs-proximite"


@pytest.mark.django_db
def test_instances_of_armentieres_are_loaded_with_their_rules(instances):
    series = {s.key: s for s in MeetingSeries.objects.all()}
    assert len(series) == 8
    pa, ra = series[PA], series[RA]
    assert (pa.format, pa.duration_minutes, pa.months, pa.weekday, pa.nth, pa.working_day) == (
        "visio",
        60,
        [1, 3, 5, 7, 9, 11],
        0,
        1,
        True,
    )
    assert pa.seed_fields["Fréquence"].startswith("Tous les 2 mois Les premiers lundis ouvrés")
    assert (ra.format, ra.duration_minutes, ra.months) == ("presentiel", 180, [2, 4, 6, 8, 10, 12])
    assert ra.rotating_place and ra.enjeu_rotation
    assert [t["temps"] for t in ra.agenda_template] == [1, 2, 3]
    assert series["armentieres-gpo"].feeds_into == pa
    assert series["armentieres-gpo"].visibility == "coordination"
    assert series["armentieres-conseils-quartier"].period == "trimestre"
    # the PV service of Armentières runs the point d'actu
    assert pa.organiser.name == "Service Politique de la Ville d'Armentières"


@pytest.mark.django_db
def test_meetings_over_the_contract_period(instances):
    pa = Meeting.objects.filter(series__key=PA)
    assert pa.count() == 42
    assert pa.filter(day=date(2024, 1, 8)).exists()
    assert pa.filter(day=date(2028, 5, 15)).exists()
    assert not pa.filter(day__isnull=True).exists()
    assert all(m.time_to_set for m in pa)  # the contract gives no hour
    ra = Meeting.objects.filter(series__key=RA).chronological()
    assert ra.count() == 42 and all(m.date_to_set for m in ra)
    first = ra.first()
    assert first.window_label == "février 2024" and "date à fixer" in first.when_text()
    # temps 3 on one enjeu in turn
    numbers = [m.enjeu.number for m in ra[:7]]
    assert numbers == [1, 2, 3, 4, 5, 6, 1]
    assert Meeting.objects.filter(series__key="armentieres-reseau-mediateurs").count() == 84
    assert Meeting.objects.filter(series__key="armentieres-conseils-quartier").count() == 28
    assert Meeting.objects.filter(series__key="armentieres-dialogue-gestion").count() == 7


@pytest.mark.django_db
def test_loading_twice_changes_nothing(instances):
    uids = set(Meeting.objects.values_list("uid", flat=True))
    report = load()
    assert not report.series.changed
    assert (report.meetings.created, report.meetings.moved, report.meetings.removed) == (0, 0, 0)
    assert set(Meeting.objects.values_list("uid", flat=True)) == uids


@pytest.mark.django_db
def test_a_rule_change_moves_only_meetings_without_content(instances):
    series = MeetingSeries.objects.get(key=PA)
    with_agenda = Meeting.objects.get(series=series, occurrence="2025-03")
    AgendaItem.objects.create(meeting=with_agenda, title="Tour de table")
    by_hand = Meeting.objects.get(series=series, occurrence="2025-05")
    by_hand.day, by_hand.edited_by_hand = date(2025, 5, 12), True
    by_hand.save()
    cancelled = Meeting.objects.get(series=series, occurrence="2025-11")
    cancelled.status = MeetingStatus.CANCELLED
    cancelled.save()
    plain = Meeting.objects.get(series=series, occurrence="2025-07")
    uid = plain.uid

    # the coordinators decide: second Tuesday at 14:00, in odd months but not November
    series.weekday, series.nth, series.start_time = 1, 2, time(14, 0)
    series.months = [1, 3, 5, 7, 9]
    series.save()
    report = generate(series)

    plain.refresh_from_db()
    assert plain.uid == uid and plain.day == date(2025, 7, 8) and plain.sequence == 1
    assert plain.local_start().time() == time(14, 0) and plain.local_end().time() == time(15, 0)
    with_agenda.refresh_from_db()
    assert with_agenda.day == date(2025, 3, 3) and with_agenda.sequence == 0
    by_hand.refresh_from_db()
    assert by_hand.day == date(2025, 5, 12)
    # November is no longer in the rule: the empty ones go, the cancelled one stays
    assert Meeting.objects.filter(series=series, occurrence="2025-11").exists()
    assert not Meeting.objects.filter(series=series, occurrence="2026-11").exists()
    assert report.removed == 6 and len(report.kept) == 3
    assert generate(series).moved == 0  # stable


@pytest.mark.django_db
def test_a_coordinator_edit_of_a_series_is_kept_on_reload(instances, tmp_path):
    series = MeetingSeries.objects.get(key=RA)
    series.duration_minutes = 150
    series.save()
    assert not load().series.kept_user_edits  # the file did not change: nothing to say
    rules = yaml.safe_load(RULES_FILE.read_text(encoding="utf-8"))
    rules["armentieres"]["reunion-acteurs-proximite"]["duration_minutes"] = 120
    rules["armentieres"]["point-actu-acteurs-qpv"]["duration_minutes"] = 90
    path = tmp_path / "regles.yaml"
    path.write_text(yaml.safe_dump(rules, allow_unicode=True), encoding="utf-8")
    report = load(rules_file=path)
    series.refresh_from_db()
    assert series.duration_minutes == 150
    assert any("duration_minutes" in line for line in report.series.kept_user_edits)
    assert MeetingSeries.objects.get(key=PA).duration_minutes == 90


@pytest.mark.django_db
def test_rules_must_quote_the_contract(contract, tmp_path):
    rules = yaml.safe_load(RULES_FILE.read_text(encoding="utf-8"))
    rules["armentieres"]["reseau-mediateurs"]["evidence"] = ["le troisième jeudi du mois"]
    rules["armentieres"]["gpo"]["weekday"] = 6
    rules["armentieres"]["gpo"]["nth"] = 1
    rules["armentieres"]["gpo"]["working_day"] = True
    path = tmp_path / "regles.yaml"
    path.write_text(yaml.safe_dump(rules, allow_unicode=True), encoding="utf-8")
    with pytest.raises(InstancesFileError) as exc:
        load(rules_file=path)
    text = "\n".join(exc.value.errors)
    assert "« le troisième jeudi du mois » ne figure pas dans le texte du contrat" in text
    assert "n'est jamais un jour ouvré" in text
    assert not MeetingSeries.objects.exists() and not Meeting.objects.exists()


@pytest.mark.django_db
def test_load_before_the_contract_says_what_to_do(world):
    with pytest.raises(InstancesFileError, match="load_contract"):
        load()


@pytest.mark.django_db
def test_participants_named_by_the_contract_come_from_the_directory(contract):
    from cdvs.directory.loader import load as load_directory

    first = load()  # before the directory: nothing to link, and it says so
    assert not MeetingSeries.objects.get(key=RA).participants.exists()
    assert any("load_directory" in line for line in first.series.lines())

    load_directory()
    load()
    names = set(MeetingSeries.objects.get(key=RA).participants.values_list("name", flat=True))
    assert {"CS 4Saisons", "CLLA – EVS", "Habitat du Nord", "CCAS", "Santélyls"} <= names
    assert "Service Politique de la Ville" in names
    assert "CAF" not in names  # not on the instance's « Participants » line
    assert len(names) == 23
    assert MeetingSeries.objects.get(key=PA).participants.count() == 23
    assert not MeetingSeries.objects.get(key="armentieres-gpo").participants.exists()
    assert not load().series.changed  # idempotent


@pytest.mark.django_db
def test_participants_changed_by_a_coordinator_are_kept(contract, tmp_path):
    from cdvs.directory.loader import load as load_directory
    from cdvs.directory.models import Organisation

    load_directory()
    load()
    series = MeetingSeries.objects.get(key=RA)
    series.participants.remove(Organisation.objects.get(key="arm-corif"))
    rules = yaml.safe_load(RULES_FILE.read_text(encoding="utf-8"))
    for name in ("reunion-acteurs-proximite", "point-actu-acteurs-qpv"):
        rules["armentieres"][name]["participants"].pop()  # the file drops « Logement »
    path = tmp_path / "regles.yaml"
    path.write_text(yaml.safe_dump(rules, allow_unicode=True), encoding="utf-8")
    report = load(rules_file=path)
    keys = set(series.participants.values_list("key", flat=True))
    assert "arm-corif" not in keys and "arm-logement" in keys  # the coordinator's list
    assert any("participants" in line for line in report.series.kept_user_edits)
    untouched = MeetingSeries.objects.get(key=PA).participants.values_list("key", flat=True)
    assert "arm-logement" not in set(untouched)  # no edit there: the file wins


@pytest.mark.django_db
def test_a_participant_must_be_named_by_the_contract(contract, tmp_path):
    rules = yaml.safe_load(RULES_FILE.read_text(encoding="utf-8"))
    rules["armentieres"]["gpo"]["participants"] = [{"key": "arm-caf", "as_written": "CAF"}]
    path = tmp_path / "regles.yaml"
    path.write_text(yaml.safe_dump(rules, allow_unicode=True), encoding="utf-8")
    with pytest.raises(InstancesFileError, match="participant « CAF » absent"):
        load(rules_file=path)
