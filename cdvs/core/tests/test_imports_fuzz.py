"""Hypothesis on the import framework's reader: whatever the bytes of a CSV, XLSX or ODS
file (broken zips, wrong encodings, lone surrogates, NUL bytes, huge cells), reading it
gives a table or `ImportFileError` with a French message, never another exception."""

import io
import zipfile

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cdvs.core.imports import ImportFileError, read_table

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FRENCH = ("fichier", "ligne", "colonne", "feuille", "encodage", "lu", "vide")
cells = st.text(max_size=40) | st.integers(-(2**70), 2**70).map(str)
tables = st.lists(st.lists(cells, min_size=0, max_size=5), min_size=0, max_size=6)


def _read(content: bytes, name: str):
    try:
        table = read_table(content, name)
    except ImportFileError as error:
        message = str(error).lower()
        assert any(word in message for word in FRENCH), message
        return None
    assert all(isinstance(h, str) for h in table.headers)
    assert all(isinstance(c, str) for _, row in table.rows for c in row)
    return table


@FUZZ
@given(st.binary(max_size=2_000), st.sampled_from(["a.csv", "a.xlsx", "a.ods"]))
def test_any_bytes_are_a_table_or_a_french_refusal(content, name):
    _read(content, name)


@FUZZ
@given(tables, st.sampled_from([";", ",", "\t"]), st.sampled_from(["utf-8", "cp1252", "latin-1"]))
def test_a_csv_of_any_text_in_any_encoding(rows, sep, encoding):
    text = "\n".join(sep.join(row) for row in rows)
    _read(text.encode(encoding, errors="replace"), "liste.csv")


@FUZZ
@given(tables, st.binary(max_size=8))
def test_a_csv_with_broken_bytes_inside(rows, noise):
    text = "\n".join(";".join(row) for row in rows).encode() + b"\xed\xa0\x80" + noise
    _read(text, "liste.csv")


@FUZZ
@given(tables)
def test_an_xlsx_of_any_cells(rows):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    for row in rows:
        # openpyxl itself refuses control characters: what it refuses no file holds
        sheet.append([c for c in row if c.isprintable()])
    buffer = io.BytesIO()
    book.save(buffer)
    _read(buffer.getvalue(), "liste.xlsx")


@FUZZ
@given(st.binary(max_size=500))
def test_a_zip_that_is_no_spreadsheet(member):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("content.xml", member)
        archive.writestr("xl/workbook.xml", member)
    _read(buffer.getvalue(), "liste.ods")
    _read(buffer.getvalue(), "liste.xlsx")
