"""French-aware text processing (the SQLite side; PostgreSQL has its own configuration)."""

from cdvs.search import text
from cdvs.search.backends import parse


def test_accents_case_and_plurals_fold_to_the_same_terms():
    assert text.terms("École") == text.terms("ecole") == text.terms("ÉCOLES")
    assert text.terms("jeunes") == text.terms("jeune")
    assert text.terms("formations") == text.terms("formation")
    assert text.terms("Œuvre") == text.terms("oeuvres")


def test_stemming_joins_forms_of_a_word_and_keeps_others_apart():
    assert text.terms("éducative") == text.terms("éducatif")
    assert text.terms("emploi") != text.terms("école")


def test_stop_words_are_dropped():
    assert text.terms("les jeunes de la ville") == text.terms("jeunes ville")


def test_websearch_syntax():
    assert parse("jeunes école").fts == '"jeun" AND "ecol"'
    assert parse('"réussite éducative"').fts == '"reussit educ"'
    assert parse("emploi -insertion").fts == '("emploi") NOT "insert"'
    assert parse("santé or logement").fts == '("sant" OR "log")'
    assert parse("-seulement").fts is None
    assert parse("les de").fts is None
    # FTS5 syntax typed by the reader is only words to it
    assert parse('NEAR(a b) * ^ : "').fts == '"near" AND "b"'


def test_highlight_escapes_everything_but_mark():
    marked = text.highlight("<script>alert(1)</script> Écoles du quartier", {"ecol"})
    html = text.marked_to_html(marked)
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert "<mark>Écoles</mark>" in html


def test_highlight_picks_the_passage_with_the_matches():
    body = " ".join(["remplissage"] * 200) + " la formation des jeunes " + " ".join(["fin"] * 200)
    passage = text.highlight(body, set(text.terms("formation")), words=20)
    assert passage.startswith("… ") and passage.endswith(" …")
    assert text.MARK_START + "formation" + text.MARK_END in passage
    assert len(passage.split()) <= 24
