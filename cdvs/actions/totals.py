"""Money summed by the database, to the cent: one grouped aggregate query per kind of
group (funder, nature, enjeu, QPV / PAC, year), whatever the number of lines.

    lines.values("funder_kind").annotate(**money_sums())   # {"requested": Decimal, ...}

`MoneySum` is exact on both databases: PostgreSQL sums its numeric column exactly;
SQLite keeps decimals as floating-point numbers, so each amount is rounded to whole
cents and the cents are summed as integers. An empty group sums to 0. Totals read back
through `amounts(row)` are Decimals quantized to the cent, the same values as
`models.funding_totals` over the same lines (the property tests check it)."""

from decimal import Decimal

from django.db.models import DecimalField, Exists, OuterRef, Sum

from cdvs.contract.models import TREE_MODELS
from cdvs.core.cache import data_version
from cdvs.territories.models import Territory

from .models import AMOUNT_FIELDS, Action, Convention, FundingLine, Request

CENT = Decimal("0.01")
# the total of many amounts of max_digits=12
MONEY = DecimalField(max_digits=14, decimal_places=2)


class MoneySum(Sum):
    def __init__(self, expression, **extra):
        super().__init__(expression, output_field=MONEY, **extra)

    def as_sql(self, compiler, connection, **extra):
        sql, params = super().as_sql(compiler, connection, **extra)
        return f"COALESCE({sql}, 0)", params

    def as_sqlite(self, compiler, connection, **extra):
        whole_cents = self.copy()
        whole_cents.template = (
            "%(function)s(%(distinct)sCAST(ROUND(%(expressions)s * 100) AS INTEGER))"
        )
        sql, params = Sum.as_sql(whole_cents, compiler, connection, **extra)
        return f"(COALESCE({sql}, 0) / 100.0)", params


def money_sums(path: str = "", **extra) -> dict:
    """{amount field: MoneySum} for each amount of a funding line (`path`: the lookup of
    the line from the query's model, e.g. "action__funding_lines__")."""
    return {name: MoneySum(f"{path}{name}", **extra) for name in AMOUNT_FIELDS}


def amounts(row: dict) -> dict:
    """{amount field: Decimal to the cent} from a row annotated with `money_sums()`."""
    return {name: Decimal(row[name] or 0).quantize(CENT) for name in AMOUNT_FIELDS}


def zero() -> dict:
    return dict.fromkeys(AMOUNT_FIELDS, Decimal("0.00"))


def add(into: dict, more: dict) -> dict:
    for name, value in more.items():
        into[name] += value
    return into


def enjeu_pairs(**actions):
    """The links action → objective of the actions selected by `actions` (lookups from
    the link, e.g. action__contract=...), one per action and enjeu (the objective of
    lowest id stands for the others of the same enjeu): an action serving two
    objectives of an enjeu counts once in it. The actions are selected by joins, not by
    a list of ids, so that the query plan starts from them."""
    through = Action.objectives.through.objects
    return through.filter(**actions).exclude(
        Exists(
            through.filter(
                action_id=OuterRef("action_id"),
                objective__enjeu_id=OuterRef("objective__enjeu_id"),
                objective_id__lt=OuterRef("objective_id"),
            )
        )
    )


def place_links(kinds, **actions):
    """The links action → territory of the actions selected by `actions` to a territory
    of `kinds`."""
    return Action.territories.through.objects.filter(territory__kind__in=kinds, **actions)


def version() -> str:
    """Changes whenever anything the totals read is written (every write adds a history
    row: actions and their links, lines, requests, CPO, territories, the contract's
    frame): the key under which `core.cache.cached` keeps them. One query."""
    return data_version(Action, FundingLine, Request, Convention, Territory, *TREE_MODELS)
