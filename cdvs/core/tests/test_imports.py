"""The import framework itself: the ODS reader (odfpy), and rows checked by a form."""

import io

import pytest
from django import forms
from django.utils import translation

from cdvs.core.imports import (
    CellError,
    Column,
    RowForm,
    Table,
    check_row,
    check_rows,
    read_table,
)


def _ods(rows) -> bytes:
    """A sheet written with odfpy: each row is (repeat, [cells]); a cell is a text,
    a number, or (text, columns repeated)."""
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import Table as OdfTable
    from odf.table import TableCell, TableRow, TableRowGroup
    from odf.text import P, S

    doc = OpenDocumentSpreadsheet()
    sheet = OdfTable(name="Feuille")
    group = TableRowGroup()
    for repeat, cells in rows:
        row = TableRow(numberrowsrepeated=repeat) if repeat > 1 else TableRow()
        for cell in cells:
            if isinstance(cell, float | int):
                row.addElement(TableCell(valuetype="float", value=cell))
                continue
            text, times = cell if isinstance(cell, tuple) else (cell, 1)
            element = (
                TableCell(valuetype="string", numbercolumnsrepeated=times)
                if times > 1
                else TableCell(valuetype="string" if text else None)
            )
            for line in text.split("\n") if text else []:
                p = P(text=line.split("  ")[0])
                if "  " in line:  # two spaces are written <text:s/> in ODF
                    p.addElement(S(c=2))
                    p.addText(line.split("  ")[1])
                element.addElement(p)
            row.addElement(element)
        group.addElement(row)
    sheet.addElement(group)
    second = OdfTable(name="Autre")
    doc.spreadsheet.addElement(sheet)
    doc.spreadsheet.addElement(second)
    out = io.BytesIO()
    doc.write(out)
    return out.getvalue()


def test_ods_is_read_with_odfpy_repeats_spaces_and_groups_included():
    content = _ods([
        (1, ["Nom", "Commune", "Âge"]),
        (1, ["Maison  des Jeunes", ("", 1), 12.0]),
        (2, [("Même", 2), 7]),
        (1, ["Deux\nlignes", "Lille", ("", 3)]),
    ])  # fmt: skip
    table = read_table(content, "f.ods")
    assert table.format == "ods" and table.headers == ["Nom", "Commune", "Âge"]
    assert table.rows == [
        (2, ["Maison  des Jeunes", "", "12"]),
        (3, ["Même", "Même", "7"]),
        (4, ["Même", "Même", "7"]),
        (5, ["Deux\nlignes", "Lille", ""]),
    ]


class _PersonForm(forms.Form):
    name = forms.CharField(max_length=5)
    age = forms.IntegerField(required=False, max_value=120)
    kind = forms.ChoiceField(choices=[("a", "A"), ("b", "B")])

    def clean(self):
        data = super().clean()
        if data.get("name") == "Zoé" and data.get("age") == 1:
            raise forms.ValidationError("Zoé n'a pas un an.")
        return data


def _age(text):
    if text == "?":
        raise CellError("âge illisible « ? ».", "second message.")
    return text


COLUMNS = [
    Column("name", "Nom", messages={"required": "nom manquant."}),
    Column("age", "Âge", read=_age, messages={"max_value": "« {value} » : {message}"}),
    Column("kind_label", "Type", feeds="kind", read=str.lower,
           messages={"invalid_choice": "type inconnu « {item} »."}),
]  # fmt: skip
PERSON = RowForm("person", _PersonForm, COLUMNS, initial={"kind": "a"})


def _errors(cells):
    checked, errors = check_row(7, cells, [PERSON])
    return checked, [str(e) for e in errors]


def test_a_row_is_checked_by_the_form_and_errors_go_to_the_columns():
    checked, errors = _errors({"name": "Lou", "age": "12", "kind_label": "B"})
    assert errors == []
    assert checked.cleaned("person") == {"name": "Lou", "age": 12, "kind": "b"}
    assert checked.cleaned("person", only_given=True) == {"name": "Lou", "age": 12, "kind": "b"}
    assert _errors({"age": "130", "kind_label": "Z"})[1] == [
        "Ligne 7, Nom : nom manquant.",
        "Ligne 7, Âge : « 130 » : Assurez-vous que cette valeur est inférieure ou égale à 120.",
        "Ligne 7, Type : type inconnu « z ».",
    ]
    assert _errors({"name": "Zoé", "age": "1"})[1] == ["Ligne 7 : Zoé n'a pas un an."]
    # a cell that cannot be read is said once (not again by the form)
    assert _errors({"name": "Lou", "age": "?"})[1] == [
        "Ligne 7, Âge : âge illisible « ? ».",
        "Ligne 7, Âge : second message.",
    ]


def test_row_errors_are_french_whatever_the_active_language():
    with translation.override("en"):
        _, errors = _errors({"name": "Lou Dupont"})
    assert errors == [
        "Ligne 7, Nom : Assurez-vous que cette valeur comporte au plus 5 caractères (actuellement 10)."
    ]


def test_a_form_is_skipped_when_the_row_has_nothing_for_it_and_twins_are_errors():
    optional = RowForm("person", _PersonForm, COLUMNS, when=lambda cells: bool(cells.get("name")))
    checked, errors = check_row(2, {"age": "4"}, [optional])
    assert errors == [] and checked.forms["person"] is None and checked.cleaned("person") == {}
    table = Table(
        ["Nom", "Type"], [(2, ["Lou", "a"]), (3, ["lou ", "A"]), (4, ["Max", "a"])], "csv"
    )
    seen = []
    results = list(
        check_rows(
            table, {"name": 0, "kind_label": 1}, [PERSON], duplicates=True, progress=seen.append
        )
    )
    assert [str(e) for _, errs in results for e in errs] == [
        "Ligne 3 : ligne en double (identique à la ligne 2)."
    ]
    assert results[1][0] is None and seen == [3]


@pytest.mark.parametrize("content", [b"PK\x03\x04garbage", b"pas un classeur"])
def test_broken_ods_files_get_the_french_message(content):
    from cdvs.core.imports import ImportFileError

    with pytest.raises(ImportFileError, match="ODS est illisible ou endommagé"):
        read_table(content, "f.ods")


def test_the_form_built_once_is_bound_to_each_row_without_leaking():
    table = Table(
        ["Nom", "Âge", "Type"],
        [(2, ["", "130", "a"]), (3, ["Lou", "12", "b"]), (4, ["Max", "", "z"])],
        "csv",
    )
    results = list(check_rows(table, {"name": 0, "age": 1, "kind_label": 2}, [PERSON]))
    assert [[str(e) for e in errors] for _, errors in results] == [
        [
            "Ligne 2, Nom : nom manquant.",
            "Ligne 2, Âge : « 130 » : Assurez-vous que cette valeur est inférieure ou égale à 120.",
        ],
        [],
        ["Ligne 4, Type : type inconnu « z »."],
    ]
    assert results[1][0].cleaned("person") == {"name": "Lou", "age": 12, "kind": "b"}
    assert results[2][0].cleaned("person") == {"name": "Max", "age": None}


class _TagsForm(forms.Form):
    name = forms.CharField(max_length=5)
    tags = forms.MultipleChoiceField(choices=[("a", "A"), ("b", "B")], required=False)

    def clean_tags(self):
        tags = self.cleaned_data["tags"]
        tags.append("vu")  # a form may change the list it was given
        return tags


def test_rows_share_what_was_read_and_made_once_but_nothing_they_could_change():
    reads = []

    def read_tags(text):
        reads.append(text)
        if text == "?":
            raise CellError("étiquette illisible.")
        return text.split(",")

    columns = [Column("name", "Nom"), Column("tags", "Étiquettes", read=read_tags)]
    table = Table(
        ["Nom", "Étiquettes"],
        [(2, ["Lou", "a,b"]), (3, ["Max", "a,b"]), (4, ["Zoé", "?"]), (5, ["Léa", "?"])],
        "csv",
    )
    with translation.override("en"):
        results = list(
            check_rows(table, {"name": 0, "tags": 1}, [RowForm("t", _TagsForm, columns)])
        )
    # the same text is read once per import; a text that cannot be read is said each time
    assert reads == ["a,b", "?", "?"]
    assert [[str(e) for e in errors] for _, errors in results] == [
        [],
        [],
        ["Ligne 4, Étiquettes : étiquette illisible."],
        ["Ligne 5, Étiquettes : étiquette illisible."],
    ]
    first, second = results[0][0].forms["t"], results[1][0].forms["t"]
    assert first.cleaned_data["tags"] == second.cleaned_data["tags"] == ["a", "b", "vu"]
    assert first.data["tags"] is not second.data["tags"]
    # each row's bound fields are its own form's
    assert first["name"].form is first and second["name"].form is second
    assert first["name"].value() == "Lou" and second["name"].value() == "Max"
    assert first["name"] is not second["name"]
