from datetime import date, time

from django.utils import dates, translation

from cdvs.core import french
from cdvs.core.imports import fold as fold_header
from cdvs.core.templatetags.cdvs_text import hour
from cdvs.directory.vocabulary import normalise
from cdvs.search.text import index_text


def test_names_are_djangos_french_ones():
    with translation.override("fr"):
        assert tuple(str(dates.WEEKDAYS[i]) for i in range(7)) == french.WEEKDAYS
        assert tuple(str(dates.MONTHS[i]) for i in range(1, 13)) == french.MONTHS


def test_a_date_and_an_hour_are_written_one_way():
    assert french.date_text(date(2025, 3, 3)) == "3 mars 2025"
    assert french.date_text(date(2025, 3, 1), weekday=True) == "samedi 1er mars 2025"
    assert french.date_text(date(2025, 8, 11), weekday=True) == "lundi 11 août 2025"
    assert french.hour(time(14)) == "14 h 00"
    assert french.hour(time(9, 5)) == "9 h 05"
    assert hour(time(17, 30)) == "17 h 30" and hour(None) == ""


def test_fold_drops_accents_and_case_and_spells_ligatures():
    assert french.fold("Œuvre ÉTÉ Ça") == "oeuvre ete ca"
    assert french.fold(None) == ""
    assert french.words("N° SIRET, l'École") == ["n", "siret", "l", "ecole"]


def test_every_caller_folds_alike():
    assert fold_header("Code  Postal") == "code postal"
    assert fold_header("Cœur de quartier") == "coeur de quartier"
    assert normalise("Les Écoles, cœur") == " les ecole coeur "
    assert index_text("Écoles") == index_text("ecole")
