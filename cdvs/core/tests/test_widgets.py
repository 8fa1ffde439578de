from django import forms

from cdvs.core.widgets import FastSelect


class _Form(forms.Form):
    choice = forms.ChoiceField(
        choices=[("", "Choisissez"), ("a", "A <b>"), ("b", "B")], widget=FastSelect
    )


def test_fast_select_renders_like_select():
    html = str(_Form(data={"choice": "b"})["choice"])
    assert html.startswith("<select ") and 'name="choice"' in html
    assert 'id="id_choice"' in html and "required" in html
    assert '<option value="b" selected>B</option>' in html
    assert '<option value="a">A &lt;b&gt;</option>' in html
    assert '<option value="">Choisissez</option>' in html
