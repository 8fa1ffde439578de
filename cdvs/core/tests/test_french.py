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
    assert french.hour(time(14)) == "14\xa0h\xa000"
    assert french.hour(time(9, 5)) == "9\xa0h\xa005"
    assert hour(time(17, 30)) == "17\xa0h\xa030" and hour(None) == ""


def test_fold_drops_accents_and_case_and_spells_ligatures():
    assert french.fold("Œuvre ÉTÉ Ça") == "oeuvre ete ca"
    assert french.fold(None) == ""
    assert french.words("N° SIRET, l'École") == ["n", "siret", "l", "ecole"]


def test_every_caller_folds_alike():
    assert fold_header("Code  Postal") == "code postal"
    assert fold_header("Cœur de quartier") == "coeur de quartier"
    assert normalise("Les Écoles, cœur") == " les ecole coeur "
    assert index_text("Écoles") == index_text("ecole")


NBSP, NNBSP = "\u00a0", "\u202f"


def test_an_hour_and_a_range_never_break():
    assert french.hour(time(9)) == f"9{NBSP}h{NBSP}00"
    assert french.hour_range(time(9), time(12)) == f"9{NBSP}h{NBSP}00{NBSP}–{NBSP}12{NBSP}h{NBSP}00"
    assert french.hour_range(time(9), None) == french.hour(time(9))
    assert " " not in french.hour_range(time(9), time(12))


def test_an_aware_datetime_is_written_in_local_time():
    from datetime import UTC, datetime

    moment = datetime(2025, 3, 1, 13, 7, tzinfo=UTC)  # 14 h 07 in Paris (winter)
    assert french.hour(moment) == f"14{NBSP}h{NBSP}07"
    assert french.datetime_text(moment) == f"1er mars 2025 à 14{NBSP}h{NBSP}07"
    assert french.datetime_text(moment, weekday=True).startswith("samedi 1er mars")


def test_amounts_and_numbers_use_the_french_notation():
    from decimal import Decimal

    assert french.euros(Decimal("1234.5")) == f"1{NNBSP}234,50{NBSP}€"
    assert french.euros(1710) == f"1{NNBSP}710{NBSP}€"
    assert french.euros(None) == ""
    assert french.format_number(51.5, None) == "51,5"
    assert french.format_number(Decimal("3.00"), None) == "3"
    assert french.format_number(1234567, 0) == f"1{NNBSP}234{NNBSP}567"


def test_plural_follows_the_french_rule():
    assert french.plural(0, "résultat") == "résultat"
    assert french.plural(1, "ligne") == "ligne"
    assert french.plural(2, "ligne") == "lignes"
    assert french.plural(3, "lieu", "lieux") == "lieux"
    assert french.count(0, "résultat") == f"0{NBSP}résultat"
    assert french.count(1500, "ligne") == f"1{NNBSP}500{NBSP}lignes"


def test_lists_sort_the_french_way():
    names = ["Zoo", "école", "Eglise", "École", "abbaye", "Étang", "Fontaine"]
    assert sorted(names, key=french.sort_key) == [
        "abbaye",
        "École",
        "école",
        "Eglise",
        "Étang",
        "Fontaine",
        "Zoo",
    ]
    choices = [("", "---"), (3, "Wattrelos"), (1, "Éterpigny"), (2, "Armentières")]
    assert french.sorted_choices(choices) == [
        ("", "---"),
        (2, "Armentières"),
        (1, "Éterpigny"),
        (3, "Wattrelos"),
    ]


def test_file_sizes_and_types_are_said_in_words():
    assert french.file_size(850) == f"850{NBSP}octets"
    assert french.file_size(1) == f"1{NBSP}octet"
    assert french.file_size(25 * 1024 * 1024) == f"25{NBSP}Mo"
    assert french.file_size(1536) == f"1,5{NBSP}ko"
    assert french.file_type_name("application/x-msdownload") == "un fichier exécutable"
    assert french.file_type_name("image/x-portable-anymap") == "une image"
    assert french.file_type_name("application/x-weird") == "un fichier d'un type non reconnu"
    assert "/" not in french.file_type_name("chemical/x-pdb")


def test_template_filters():
    from datetime import date

    from django.template import Context, Template

    template = Template(
        "{% load cdvs_text %}{{ d|date_fr }}|{{ d|date_fr:'weekday' }}|{{ n|plural }}"
        "|{{ m|plural }}|{{ m|plural:'al,aux' }}|{{ a|hour_range:b }}|{{ x|euros }}"
    )
    text = template.render(
        Context({"d": date(2026, 1, 1), "n": 0, "m": 2, "a": time(9), "b": time(12), "x": 5})
    )
    assert text == (
        f"1er janvier 2026|jeudi 1er janvier 2026||s|aux|"
        f"9{NBSP}h{NBSP}00{NBSP}–{NBSP}12{NBSP}h{NBSP}00|5{NBSP}€"
    )


def test_punctuation_takes_a_narrow_no_break_space_in_text_only():
    html = (
        '<p title="a : b">Statut : <b>ouvert</b> ; Qui peut aider ?</p>'
        "<script>a ? b : c</script><textarea>x : y</textarea><pre>x : y</pre>"
        '<a href="http://x/?a=1">14:00 !</a><time datetime="2025-01-01T14:00">x</time>'
        "<!-- a : b --><strong>Nom</strong> : Dupont"
    )
    assert french.punctuate(html) == (
        f'<p title="a : b">Statut{NNBSP}: <b>ouvert</b>{NNBSP}; Qui peut aider{NNBSP}?</p>'
        "<script>a ? b : c</script><textarea>x : y</textarea><pre>x : y</pre>"
        f'<a href="http://x/?a=1">14:00{NNBSP}!</a><time datetime="2025-01-01T14:00">x</time>'
        f"<!-- a : b --><strong>Nom</strong>{NNBSP}: Dupont"
    )
    assert french.punctuate(f"déjà{NBSP}: bon") == f"déjà{NBSP}: bon"
    assert (
        french.punctuate_text("Ordre du jour :\n- a ; b") == f"Ordre du jour{NNBSP}:\n- a{NNBSP}; b"
    )


def test_every_page_is_sent_with_french_punctuation(client, db):
    from django.urls import reverse

    body = client.get(reverse("core:accessibility")).content.decode()
    assert f"votre commune{NNBSP}: il vous apportera" in body
    assert not french._typed_spaces(body)
    api = client.get("/api/openapi.json")
    assert api["Content-Type"].startswith("application/json")


def test_select_lists_are_sorted_the_french_way(db):
    from cdvs.actions.forms import _organisations
    from cdvs.directory.models import Organisation, OrganisationKind
    from cdvs.territories.models import Kind, Territory

    for code, name in (
        ("1", "Wattrelos"),
        ("2", "Éterpigny"),
        ("3", "armentières"),
        ("4", "Fâches"),
    ):
        Territory.objects.create(kind=Kind.COMMUNE, code=code, name=name)
    names = [label for _, label in Territory.objects.choices()]
    assert names == ["armentières", "Éterpigny", "Fâches", "Wattrelos"]
    for name in ("Zèbre", "École Jules Ferry", "association Ajoncs", "Espace"):
        Organisation.objects.create(name=name, kind=OrganisationKind.ASSOCIATION)
    assert [label for _, label in _organisations()] == [
        "— Choisir —",
        "association Ajoncs",
        "École Jules Ferry",
        "Espace",
        "Zèbre",
    ]


def test_templates_write_dates_and_plurals_through_the_french_filters():
    """« 1er janvier » and « 0 résultat » hold only if no template bypasses `|date_fr`,
    `|datetime_fr` and `|plural` with Django's `|date:"j …"` or `|pluralize`."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    bypass = re.compile(r'\|pluralize|\|date:"[^"]*[jlH]')
    offenders = [
        f"{path.relative_to(root)}:{number}"
        for path in root.rglob("*.html")
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if bypass.search(line)
    ]
    assert offenders == []
