import html

from django import forms
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.forms.models import ModelChoiceIterator
from django.forms.utils import flatatt
from django.utils.html import format_html
from django.utils.safestring import SafeData, mark_safe

from .french import sort_key


def _text(value) -> str:
    """`value` escaped for HTML unless it is already safe (what `conditional_escape` does,
    with the standard library's escape: thousands of options a page)."""
    if isinstance(value, SafeData):
        return str(value)
    return html.escape(str(value), quote=True)


def option_tags(choices, selected: set[str]):
    """<option> elements for (value, label) pairs, those in `selected` marked: written
    in Python, a thousand options cost a millisecond, not a template per option."""
    return mark_safe(  # noqa: S308 — every value and label is escaped by _text
        "".join(
            f'<option value="{_text("" if key is None else key)}"'
            f"{' selected' if str(key) in selected else ''}>{_text(label)}</option>"
            for key, label in choices
        )
    )


class FastSelect(forms.Select):
    """A <select> whose options are written in Python rather than one template per
    option: a list of thousands of organisations renders in milliseconds."""

    def render(self, name, value, attrs=None, renderer=None):
        selected = {str(v) for v in self.format_value(value)}
        final_attrs = self.build_attrs(self.attrs, attrs)
        final_attrs["name"] = name
        options = option_tags(self._flat_choices(), selected)
        return format_html("<select{}>{}</select>", flatatt(final_attrs), options)

    def _flat_choices(self):
        for key, label in self.choices:
            key = getattr(key, "value", key)
            yield ("" if key is None else str(key)), label


def fast_selects(form):
    """Write every plain single <select> of `form` in Python (same choices and attributes):
    filter forms with long vocabularies render in a fraction of the time."""
    for field in form.fields.values():
        widget = field.widget
        if type(widget) is forms.Select:
            fast = FastSelect(attrs=widget.attrs)
            fast.choices = widget.choices
            fast.is_required = widget.is_required
            field.widget = fast


def _text_ordered(queryset) -> bool:
    """Whether `queryset` is ordered by a text column of its model first (its own
    `order_by` or the model's `Meta.ordering`): that order is the database's (on SQLite
    « ARS » before « Ajoncs »), and is replaced by the French one. Lists ordered by a
    number, a date or a position keep their order."""
    query = queryset.query
    ordering = list(query.order_by) or (
        list(queryset.model._meta.ordering) if query.default_ordering else []
    )
    if not ordering or not isinstance(ordering[0], str):
        return False
    name = ordering[0].lstrip("-")
    if "__" in name:
        return False
    try:
        field = queryset.model._meta.get_field(name)
    except FieldDoesNotExist:
        return False
    return isinstance(field, (models.CharField, models.TextField))


class FrenchModelChoiceIterator(ModelChoiceIterator):
    """The options of every ModelChoiceField / ModelMultipleChoiceField: a list the
    database orders by a name is given in the French order of the labels (`sort_key`:
    accents and case folded, « École » among the E); the empty « --- » stays first.
    Installed once for all forms by `install_french_order` (core's AppConfig.ready)."""

    def __iter__(self):
        if not _text_ordered(self.queryset):
            yield from super().__iter__()
            return
        choices = list(super().__iter__())
        head = choices[:1] if self.field.empty_label is not None else []
        yield from head
        yield from sorted(choices[len(head) :], key=lambda c: sort_key(c[1]))


def install_french_order():
    forms.ModelChoiceField.iterator = FrenchModelChoiceIterator
