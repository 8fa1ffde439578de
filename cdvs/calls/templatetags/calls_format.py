"""French formatting of amounts: « 1 710 € », « 2 500,50 € » (non-breaking spaces)."""

from django import template

from cdvs.core import french

register = template.Library()


def euros(value) -> str:
    """The one amount format (`cdvs.core.french.euros`), kept under this name for the
    templates that load `calls_format`."""
    return french.euros(value)


register.filter("euros", euros)


@register.filter
def amount_range(call) -> str:
    """« de 1 000 € à 5 000 € », « jusqu'à 5 000 € », « à partir de 1 000 € »."""
    low, high = call.amount_min, call.amount_max
    if low is not None and high is not None:
        if low == high:
            return euros(low)
        return f"de {euros(low)} à {euros(high)}"
    if high is not None:
        return f"jusqu'à {euros(high)}"
    if low is not None:
        return f"à partir de {euros(low)}"
    return ""
