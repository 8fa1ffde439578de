"""Écarts computed by the tool, never typed: points, ratio or share between a reference
measurement and a compared one. Figures of different vintages or geography versions
are not compared: `gap()` says so in French. And the statistical secrecy of small
cells, with the secondary suppression that keeps a total from revealing them."""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from .models import AT_RISK_MARGIN, GapKind, Geography, Measurement, Shape, Status, number_text

HUNDRED = Decimal(100)


class GapError(ValueError):
    """Two figures that cannot be compared; the message is for the reader, in French."""


@dataclass(frozen=True)
class Gap:
    kind: str
    value: Decimal
    reference: Measurement
    compared: Measurement

    def rounded(self, decimals: int = 2) -> Decimal:
        return self.value.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)

    def text(self) -> str:
        if self.kind == GapKind.POINTS:
            sign = "+" if self.value > 0 else "−" if self.value < 0 else ""
            return f"{sign} {number_text(abs(self.rounded(2)))} pts".strip()
        if self.kind == GapKind.RATIO:
            if self.value < 1:
                return f"{number_text((1 / self.value).quantize(Decimal('0.01')))} fois moins"
            return f"{number_text(self.rounded(2))} fois plus"
        return f"{number_text(self.rounded(2))} % de {self.reference.place}"


def comparable(reference: Measurement, compared: Measurement) -> None:
    """Raise GapError when the two figures must not be compared."""
    for m in (reference, compared):
        if m.secret or m.value is None:
            raise GapError(
                f"Écart impossible : la valeur de {m.place} est couverte par le secret statistique."
            )
    if reference.vintage and compared.vintage and reference.vintage != compared.vintage:
        raise GapError(
            "Écart refusé : les deux chiffres ne sont pas du même millésime "
            f"(« {reference.vintage} » et « {compared.vintage} »)."
        )
    qpv = {Geography.QPV_2015, Geography.QPV_2024}
    if (
        reference.geography in qpv
        and compared.geography in qpv
        and reference.geography != compared.geography
    ):
        raise GapError(
            "Écart refusé : les séries « QPV 2015 » et « QPV 2024 » ne portent pas sur les "
            "mêmes périmètres et ne sont pas comparables."
        )


def gap(reference: Measurement, compared: Measurement, kind: str) -> Gap:
    comparable(reference, compared)
    if kind == GapKind.POINTS:
        value = compared.value - reference.value
    elif reference.value == 0:
        raise GapError("Écart impossible : la valeur de référence est nulle.")
    elif kind == GapKind.RATIO:
        value = compared.value / reference.value
    else:
        value = compared.value / reference.value * HUNDRED
    return Gap(kind, value, reference, compared)


@dataclass(frozen=True)
class RowGaps:
    gaps: list
    error: str = ""

    @property
    def widest(self):
        """The largest gap of the row (« jusqu'à … »)."""
        if not self.gaps:
            return None
        if self.gaps[0].kind == GapKind.RATIO:
            return max(self.gaps, key=lambda g: max(g.value, 1 / g.value))
        return max(self.gaps, key=lambda g: abs(g.value))


def row_gaps(row, compared=None) -> RowGaps:
    """The écarts of a DiagnosticRow, one per compared figure."""
    compared = list(row.compared.all()) if compared is None else compared
    try:
        return RowGaps([gap(row.reference, m, row.gap_kind) for m in compared])
    except GapError as exc:
        return RowGaps([], str(exc))


# --- statistical secrecy ------------------------------------------------------------

HIDDEN_TEXT = "secret statistique"
SECONDARY_HIDDEN_TEXT = "masqué (secret secondaire)"


def displayed(cells: list[Measurement]) -> dict[int, str | None]:
    """For cells of one indicator, place and period (a total and its parts by sex or
    by age band): pk -> None when the value may be shown, else why it is hidden. When
    one part is secret and the total is shown, another part is hidden too, the smallest
    one, or the total minus the others would reveal the secret cell."""
    hidden = {m.pk: HIDDEN_TEXT for m in cells if m.secret}
    for dimension in ("sex", "age_band"):
        other = "age_band" if dimension == "sex" else "sex"
        groups = {}
        for m in cells:
            if getattr(m, other) == "":
                groups.setdefault("parts" if getattr(m, dimension) else "total", []).append(m)
        parts = groups.get("parts", [])
        total = groups.get("total", [])
        secret_parts = [m for m in parts if m.pk in hidden]
        if total and len(secret_parts) == 1 and len(parts) > 1:
            shown = [m for m in parts if m.pk not in hidden]
            smallest = min(shown, key=lambda m: m.value)
            hidden[smallest.pk] = SECONDARY_HIDDEN_TEXT
    return {m.pk: hidden.get(m.pk) for m in cells}


# --- targets ------------------------------------------------------------------------


def target_status(target, measurement) -> str:
    """On track / at risk (within `AT_RISK_MARGIN` of a bound) / off track, from the
    latest measurement; « sans mesure » without one. A gap reduction needs a baseline
    the seed does not give: it stays « sans mesure » until one is measured."""
    if measurement is None or measurement.value is None or target.shape == Shape.GAP_REDUCTION:
        return Status.UNKNOWN
    v, low, high = measurement.value, target.low, target.high
    if target.shape == Shape.EXACT:
        goal = low if low is not None else high
        if v == goal:
            return Status.ON_TRACK
        return Status.AT_RISK if abs(v - goal) <= abs(goal) * AT_RISK_MARGIN else Status.OFF_TRACK
    if target.shape == Shape.MIN or (target.shape == Shape.RANGE and v < low):
        if v >= low:
            return Status.ON_TRACK
        return Status.AT_RISK if v >= low * (1 - AT_RISK_MARGIN) else Status.OFF_TRACK
    if target.shape == Shape.MAX or (target.shape == Shape.RANGE and v > high):
        if v <= high:
            return Status.ON_TRACK
        return Status.AT_RISK if v <= high * (1 + AT_RISK_MARGIN) else Status.OFF_TRACK
    return Status.ON_TRACK  # within the range


def value_text(measurement, unit: str, hidden: str | None = None) -> str:
    """« 35,1 % », « 1 710 € », « secret statistique » (never 0)."""
    if hidden or measurement.secret or measurement.value is None:
        return hidden or HIDDEN_TEXT
    return (
        f"{number_text(measurement.value)}\u00a0{unit}" if unit else number_text(measurement.value)
    )
