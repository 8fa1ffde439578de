"""The annual report, generated from a frozen snapshot (`Report.snapshot`): the print
view and the ODT file are built from the snapshot only, never from the live data."""

import io

from django.db import transaction
from django.utils import timezone
from odf.opendocument import OpenDocumentText
from odf.style import Style, TextProperties
from odf.text import H, List, ListItem, P

from cdvs.accounts.permissions import require

from . import services
from .gaps import row_gaps, value_text
from .models import Bilan, DiagnosticRow, EvaluativeQuestion, Report


def snapshot(year: int) -> dict:
    rows = []
    qs = DiagnosticRow.objects.select_related("indicator", "reference__territory")
    for row in qs.prefetch_related("compared__territory").order_by("table", "position", "pk"):
        compared = list(row.compared.all())
        unit = row.indicator.unit
        gaps = row_gaps(row, compared)
        rows.append(
            {
                "table": row.table,
                "indicator": row.indicator.name,
                "reference": f"{row.reference.place} : {value_text(row.reference, unit)}",
                "compared": [f"{m.place} : {value_text(m, unit)}" for m in compared],
                "gaps": gaps.error
                or " ; ".join(f"{g.compared.place} : {g.text()}" for g in gaps.gaps),
                "wording": row.seed_wording,
                "sources": row.sources,
            }
        )
    targets = [
        {"text": t.seed_text, "bound": t.bound_text(), "status": str(status.label)}
        for t, _m, status in services.targets_with_status()
    ]
    bilans = Bilan.objects.filter(year=year)
    counts = services.bilan_counts(bilans, timezone.localdate())
    return {
        "year": year,
        "diagnostic": rows,
        "targets": targets,
        "bilans": counts[0] if counts else {"year": year, "total": 0, "received": 0, "late": 0},
        "questions": [q.text for q in EvaluativeQuestion.objects.filter(enjeu=None, action=None)],
    }


@transaction.atomic
def generate(year: int, user) -> Report:
    require(user, "evaluation.manage")
    return Report.objects.create(
        year=year,
        title=f"Rapport annuel {year} du contrat de ville et des solidarités",
        snapshot=snapshot(year),
        created_by=user if user is not None and user.is_authenticated else None,
    )


def odt(report: Report) -> bytes:
    data = report.snapshot
    doc = OpenDocumentText()
    bold = Style(name="Fort", family="text")
    bold.addElement(TextProperties(fontweight="bold"))
    doc.automaticstyles.addElement(bold)
    doc.text.addElement(H(outlinelevel=1, text=report.title))
    doc.text.addElement(H(outlinelevel=2, text="Le diagnostic"))
    for row in data["diagnostic"]:
        doc.text.addElement(P(text=f"{row['table']} — {row['indicator']}"))
        doc.text.addElement(P(text=f"Référence : {row['reference']}"))
        doc.text.addElement(P(text="Comparé à : " + " ; ".join(row["compared"])))
        doc.text.addElement(P(text=f"Écart calculé : {row['gaps']}"))
        if row["wording"]:
            doc.text.addElement(P(text=f"Selon le contrat : {row['wording']}"))
    doc.text.addElement(H(outlinelevel=2, text="Les cibles"))
    items = List()
    for target in data["targets"]:
        item = ListItem()
        item.addElement(P(text=f"« {target['text']} » — {target['bound']} : {target['status']}"))
        items.addElement(item)
    doc.text.addElement(items)
    b = data["bilans"]
    doc.text.addElement(H(outlinelevel=2, text="Les bilans des porteurs"))
    doc.text.addElement(
        P(text=f"{b['total']} bilan(s) ouvert(s), {b['received']} reçu(s), {b['late']} en retard.")
    )
    doc.text.addElement(H(outlinelevel=2, text="Les questions évaluatives"))
    for question in data["questions"]:
        doc.text.addElement(P(text=question))
    out = io.BytesIO()
    doc.write(out)
    return out.getvalue()
