from cdvs.core.templatetags.cdvs_text import emphasise


def test_emphasise_escapes_and_bolds_the_part():
    assert emphasise("a <b> c", "<b>") == "a <strong>&lt;b&gt;</strong> c"
    assert emphasise("texte", "absent") == "texte"
    assert emphasise("<i>", "") == "&lt;i&gt;"
