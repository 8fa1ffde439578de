"""French formatting of amounts: « 1 710 € », « 2 500,50 € » (non-breaking spaces)."""

from decimal import Decimal

from django import template

register = template.Library()

NBSP = "\u00a0"
NNBSP = "\u202f"


def euros(value) -> str:
    if value is None or value == "":
        return ""
    amount = Decimal(value).quantize(Decimal("0.01"))
    sign = "-" if amount < 0 else ""
    units, cents = f"{abs(amount):.2f}".split(".")
    groups = []
    while units:
        groups.insert(0, units[-3:])
        units = units[:-3]
    text = NNBSP.join(groups)
    if cents != "00":
        text += "," + cents
    return f"{sign}{text}{NBSP}€"


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
