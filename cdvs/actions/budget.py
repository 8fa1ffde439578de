"""The CERFA 12156 budget of an action for a year: its totals, its balance and its
reconciliation with the funding lines of the same year (headings in `cerfa`)."""

from decimal import Decimal

from cdvs.core.french import format_number

from . import cerfa
from .models import ZERO, Nature

CENT = Decimal("0.01")


def totals(amounts: dict[str, Decimal]) -> dict:
    """{"charges": Decimal, "produits": Decimal, "gap": produits − charges} of a budget
    given as heading code -> amount."""
    charges = sum((v for c, v in amounts.items() if cerfa.SIDE[c] == cerfa.CHARGE), ZERO)
    produits = sum((v for c, v in amounts.items() if cerfa.SIDE[c] == cerfa.PRODUIT), ZERO)
    return {"charges": charges, "produits": produits, "gap": produits - charges}


def balance_error(amounts: dict[str, Decimal]) -> str:
    """The French refusal of an unbalanced (or empty) budget; "" when balanced."""
    t = totals(amounts)
    if t["charges"] == ZERO and t["produits"] == ZERO:
        return "Le budget est vide : saisissez au moins une charge et un produit."
    if t["gap"]:
        return (
            "Le budget n'est pas équilibré : le total des charges "
            f"({_euros(t['charges'])}) doit être égal au total des produits "
            f"({_euros(t['produits'])}), écart de {_euros(abs(t['gap']))}."
        )
    return ""


def _euros(value: Decimal) -> str:
    return format_number(value.quantize(CENT)) + "\u00a0€"


def reconcile(amounts: dict[str, Decimal], lines) -> list[dict]:
    """The 74 sub-headings of a year's budget beside the amounts requested in the funding
    lines of that year (crédits spécifiques and droit commun: valorisation and
    autofinancement are not subsidies), per sub-heading whose funder is unambiguous and
    in total. Rows {"label", "budget", "requested", "gap"}, the total last."""
    requested = {code: ZERO for code in cerfa.SUBSIDIES}
    total_requested = ZERO
    for line in lines:
        if line.nature == Nature.OWN:
            continue
        total_requested += line.requested
        code = cerfa.HEADING_OF_FUNDER.get(line.funder_kind)
        if code is not None:
            requested[code] += line.requested
    rows = []
    for code in cerfa.SUBSIDIES:
        if code not in cerfa.HEADING_OF_FUNDER.values():
            continue
        budget = amounts.get(code, ZERO)
        if budget or requested[code]:
            rows.append({"label": cerfa.LABEL[code], "budget": budget,
                         "requested": requested[code], "gap": budget - requested[code]})  # fmt: skip
    total_budget = sum((amounts.get(c, ZERO) for c in cerfa.SUBSIDIES), ZERO)
    rows.append({"label": "Total des subventions (74)", "budget": total_budget,
                 "requested": total_requested, "gap": total_budget - total_requested})  # fmt: skip
    return rows


def is_reconciled(amounts, lines) -> bool:
    return all(row["gap"] == ZERO for row in reconcile(amounts, lines))
