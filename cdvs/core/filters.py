"""List filters: one form per list, read from the query string.

    class DocumentFilters(FilterForm):
        territoire = IdField()                       # cdvs.core.bounds: bounded ids
        q = WordsField(100)
        lookups = {"territoire": "territories"}      # a plain lookup…

        def filter_q(self, queryset, words):         # …or a method per field
            return queryset.filter(title__icontains=words)

    filters = DocumentFilters(request.GET)
    queryset = filters.filter(queryset)              # filters.values: what was chosen

A value that does not validate is dropped and the others apply (the field keeps its error
for the page that renders the form); `strict = True` drops them all when one is wrong
(filters that depend on one another). Saved or API values, already valid, are applied
with `FilterForm().apply(queryset, values)`. The options of the selects are written in
Python (`core.widgets`), whatever the field.
"""

from django import forms
from django.core.validators import MaxLengthValidator
from django.utils.functional import cached_property

EMPTY = (None, "", [], ())


class WordsField(forms.CharField):
    """The text of a search box: stripped and cut at `length` characters (a longer text
    is not an error); the input keeps its `maxlength`."""

    def __init__(self, length: int, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(max_length=length, **kwargs)
        self.validators = [v for v in self.validators if not isinstance(v, MaxLengthValidator)]

    def to_python(self, value):
        return super().to_python(value)[: self.max_length]


class FilterForm(forms.Form):
    """The filters of a list (see the module). Without data the form is unbound: the
    page shows it empty, and nothing is filtered."""

    lookups: dict[str, str] = {}
    strict = False

    def __init__(self, data=None, **kwargs):
        super().__init__(data or None, **kwargs)

    @cached_property
    def values(self) -> dict:
        """The valid, non-empty values chosen, in the order of the fields."""
        if not self.is_bound or (not self.is_valid() and self.strict):
            return {}
        return {
            name: self.cleaned_data[name]
            for name in self.fields
            if name in self.cleaned_data and self.cleaned_data[name] not in EMPTY
        }

    def filter(self, queryset):
        return self.apply(queryset, self.values)

    def apply(self, queryset, values: dict):
        """`queryset` narrowed by each value: `filter_<name>` or the lookup declared."""
        for name in self.fields:
            value = values.get(name)
            if value in EMPTY:
                continue
            method = getattr(self, f"filter_{name}", None)
            if method is not None:
                queryset = method(queryset, value)
            elif name in self.lookups:
                queryset = queryset.filter(**{self.lookups[name]: value})
        return queryset
