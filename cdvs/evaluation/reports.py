"""Reports generated from a frozen snapshot (`Report.snapshot`): the print view, the ODT
and the DOCX files are built from the snapshot only, never from the live data, so a
report read or downloaded again later is identical (the files' dates and metadata are
those of the report's generation, byte for byte).

A snapshot is a list of sections, each with a heading, what it is based on, paragraphs,
items and tables of text; the three outputs render the same sections.

Two kinds:

- the annual report, in the order of the contents set by décret n° 2015-1118 of
  3 September 2015 (as summarised by its publication notices): the contract's
  orientations; the situation of the QPV against the contract's objectives; the actions
  of the past year for the residents, with the means mobilised; the perspectives and
  improvements needed; the urban renewal's articulation; the DSU actions; the opinions of
  the conseils citoyens and municipal councils, annexed. What the tool does not hold
  (perspectives, renewal, DSU, opinions) is written by the coordinators when generating;
- the point d'étape of 2027 (MEL framework, §6.3): its two objectives, the indicators and
  evaluative questions, the three flagship projects followed over time."""

import io
import itertools
import zipfile
from dataclasses import dataclass

import docx as python_docx
from django.db import transaction
from django.db.models import Count, Prefetch, Sum
from django.utils import timezone
from odf.opendocument import OpenDocumentText
from odf.style import Style, TableColumnProperties, TextProperties
from odf.table import Table, TableCell, TableColumn, TableRow
from odf.text import H, List, ListItem, P

from cdvs.accounts.permissions import require
from cdvs.actions.models import Action, FundingLine, Nature, funding_totals
from cdvs.contract.models import Enjeu
from cdvs.core.french import count, date_text, euros, format_number

from . import services
from .gaps import row_gaps, value_text
from .models import (
    Bilan,
    BilanAnswer,
    DiagnosticRow,
    EvaluativeQuestion,
    Finding,
    FindingKind,
    Measurement,
    Recommendation,
    Report,
    ReportKind,
    WorkingGroup,
    with_place,
)

# the seed's words (MEL framework, §6.3), quoted in the point d'étape
MEL_63 = "Contrat de ville et des solidarités de la MEL, §6.3 « Observation et évaluation »"
MILESTONE_TEXT = "Un point d'étape sera réalisé en 2027."
OBJECTIVE_COMMON_LAW = (
    "Analyser la capacité des politiques publiques de droit commun à se mobiliser pour "
    "atteindre les ambitions fixées (identification des bonnes pratiques, des leviers, des "
    "freins des acteurs)."
)
OBJECTIVE_ORIENTATIONS = "Définir les orientations nécessaires à l'atteinte des objectifs"
APPROACH_TEXT = (
    "La démarche d'évaluation proposée s'appuiera sur des indicateurs mais aussi des "
    "questions évaluatives, des référentiels d'évaluations qui seront nourris par les "
    "acteurs et les habitants concernés. Trois projets phares seront suivi dans le temps."
)
FLAGSHIPS = 3
DECREE = "Décret n° 2015-1118 du 3 septembre 2015"
NOT_WRITTEN = "Non renseigné lors de la génération du rapport."

# the texts the coordinators write when generating an annual report (field, heading, basis)
ANNUAL_TEXTS = [
    ("perspectives", "Les perspectives et les améliorations nécessaires",
     f"{DECREE} : perspectives au regard des résultats et des moyens, améliorations "
     "nécessaires (droit commun, coordination, participation des habitants, évaluation)"),
    ("renewal", "Le renouvellement urbain",
     f"{DECREE} : articulation avec le projet de renouvellement urbain"),
    ("dsu", "La dotation de solidarité urbaine",
     f"{DECREE} : actions de développement social urbain des communes bénéficiaires"),
    ("opinions", "Les avis des conseils citoyens et des conseils municipaux",
     f"{DECREE} : avis et contributions annexés au rapport, suites qui leur sont données"),
]  # fmt: skip


def _section(heading, basis="", paragraphs=(), items=(), tables=()):
    return {
        "heading": heading,
        "basis": basis,
        "paragraphs": list(paragraphs),
        "items": list(items),
        "tables": list(tables),
    }


def _table(caption, headers, rows):
    return {"caption": caption, "headers": list(headers), "rows": [list(r) for r in rows]}


# --- what the sections hold -------------------------------------------------------------


def _orientations():
    enjeux = Enjeu.objects.select_related("contract").annotate(
        objectives_count=Count("objectives", distinct=True)
    )
    items = [
        f"Enjeu {e.number} : {e.title} ({count(e.objectives_count, 'objectif opérationnel', 'objectifs opérationnels')})"
        for e in enjeux.order_by("contract_id", "number")
    ]
    return _section(
        "Les orientations du contrat",
        f"{DECREE} : rappel des principales orientations du contrat de ville",
        items=items or ["Aucun enjeu n'est enregistré dans l'outil."],
    )


def _diagnostic_table():
    rows = []
    qs = DiagnosticRow.objects.select_related("indicator", "reference__territory").defer(
        "reference__territory__geometry"
    )
    compared = Prefetch("compared", queryset=with_place(Measurement.objects.order_by("pk")))
    for row in qs.prefetch_related(compared).order_by("table", "position", "pk"):
        compared = list(row.compared.all())
        unit = row.indicator.unit
        gaps = row_gaps(row, compared)
        rows.append(
            [
                row.table,
                row.indicator.name,
                f"{row.reference.place} : {value_text(row.reference, unit)}",
                " ; ".join(f"{m.place} : {value_text(m, unit)}" for m in compared),
                gaps.error or " ; ".join(f"{g.compared.place} : {g.text()}" for g in gaps.gaps),
                row.seed_wording or "—",
            ]
        )
    return _table(
        "Le diagnostic : écarts recalculés par l'outil",
        ["Tableau", "Indicateur", "Référence", "Comparé à", "Écart calculé", "Selon le contrat"],
        rows,
    )


def _targets_table(year=None):
    rows = []
    for target, measurement, status in services.targets_with_status():
        unit = target.indicator.unit if target.indicator_id else target.unit
        rows.append(
            [
                target.seed_text,
                target.bound_text(),
                target.territory.name if target.territory_id else target.territory_text or "—",
                str(target.due_year) if target.due_year else "—",
                value_text(measurement, unit) if measurement else "aucune mesure",
                str(status.label),
            ]
        )
    return _table(
        "Les cibles des objectifs et leur état (dernière mesure)",
        ["Cible, telle qu'écrite", "Attendu", "Territoire", "Échéance", "Dernière mesure", "État"],
        rows,
    )


def _situation():
    return _section(
        "L'évolution de la situation dans les quartiers prioritaires",
        f"{DECREE} : évolution de la situation au regard des objectifs du contrat",
        tables=[_diagnostic_table(), _targets_table()],
    )


def _actions_of(year):
    lines = FundingLine.objects.filter(year=year).order_by("pk")
    actions = (
        Action.objects.filter(funding_lines__year=year)
        .distinct()
        .select_related("porteur")
        .prefetch_related(Prefetch("funding_lines", queryset=lines, to_attr="year_lines"))
        .order_by("title", "pk")
    )
    rows, every = [], []
    for action in actions:
        totals = funding_totals(action.year_lines)["natures"]
        every += action.year_lines
        rows.append(
            [action.title, action.porteur.name, action.get_status_display()]
            + [euros(totals[n]["granted"]) for n in Nature.values]
        )
    overall = funding_totals(every)["natures"]
    if rows:
        rows.append(["Total", "", ""] + [euros(overall[n]["granted"]) for n in Nature.values])
    return _table(
        f"Les actions financées en {year} et les montants accordés",
        ["Action", "Porteur", "Statut"] + [f"Accordé : {label}" for label in Nature.labels],
        rows,
    )


def _bilans(year):
    bilans = list(Bilan.objects.filter(year=year))
    counts = services.bilan_counts(bilans, timezone.localdate())
    row = counts[0] if counts else {"total": 0, "received": 0, "late": 0}
    beneficiaries = sum(b.beneficiaries or 0 for b in bilans if b.submitted_on)
    return [
        f"Bilans {year} des porteurs : {count(row['total'], 'bilan ouvert', 'bilans ouverts')}, "
        f"{count(row['received'], 'reçu')}, {row['late']} en retard.",
        f"Bénéficiaires déclarés dans les bilans reçus : {beneficiaries}.",
    ]


def _actions(year):
    return _section(
        f"Les actions menées en {year} au bénéfice des habitants",
        f"{DECREE} : actions menées au titre de l'année écoulée et moyens mobilisés",
        paragraphs=_bilans(year),
        tables=[_actions_of(year)],
    )


def _questions(year):
    answers = dict(
        BilanAnswer.objects.filter(bilan__year=year)
        .values_list("question_id")
        .annotate(n=Count("pk"))
        .values_list("question_id", "n")
    )
    items = [
        f"{q.text} ({count(answers.get(q.pk, 0), 'réponse')} dans les bilans {year})"
        for q in EvaluativeQuestion.objects.filter(enjeu=None, action=None)
    ]
    return _section(
        "Les questions évaluatives",
        "Volet communal, §3.1",
        items=items or ["Aucune question évaluative."],
    )


def _findings_table(kinds=None):
    qs = Finding.objects.select_related("group__enjeu").order_by("group__enjeu__number", "pk")
    if kinds:
        qs = qs.filter(kind__in=kinds)
    return _table(
        "Les constats des groupes de travail thématiques",
        ["Groupe", "Enjeu", "Nature", "Date", "Constat"],
        [[f.group.name, f"Enjeu {f.group.enjeu.number}", f.get_kind_display(),
          date_text(f.recorded_on), f.text] for f in qs],
    )  # fmt: skip


def _recommendations_table(year):
    today = timezone.localdate()
    qs = Recommendation.objects.select_related("group", "owner_organisation", "action")
    rows = []
    for r in qs.prefetch_related("adjustments__action").order_by("group__name", "due_date", "pk"):
        adjustments = " ; ".join(
            f"{date_text(a.on)}, {a.action.title} : {a.text}" for a in r.adjustments.all()
        )
        rows.append([
            r.text, r.group.name, r.owner_text or "—",
            date_text(r.due_date) if r.due_date else "—",
            r.get_status_display() + (" (en retard)" if r.is_late(today) else ""),
            adjustments or "—",
        ])  # fmt: skip
    return _table(
        "Les recommandations et leur suivi",
        ["Recommandation", "Groupe", "Qui", "Échéance", "Statut", "Ajustements des actions"],
        rows,
    )


def _collective(year):
    groups = list(WorkingGroup.objects.select_related("enjeu").order_by("enjeu__number", "name"))
    return _section(
        "L'évaluation collective : les groupes de travail thématiques",
        "Volet communal, §3.2 et 3.3",
        items=[f"{g.name} (enjeu {g.enjeu.number})" for g in groups]
        or ["Aucun groupe de travail n'est enregistré."],
        tables=[_findings_table(), _recommendations_table(year)],
    )


def _typed(texts, name, heading, basis):
    text = (texts.get(name) or "").strip()
    return _section(heading, basis, paragraphs=text.split("\n\n") if text else [NOT_WRITTEN])


def _common_law_by_year(year):
    """Granted amounts per year and nature since the contract's start: how far the
    droit commun is mobilised beside the crédits spécifiques."""
    sums = {}
    qs = FundingLine.objects.filter(year__lte=year).values("year", "nature")
    for row in qs.annotate(total=Sum("granted")).order_by("year", "nature"):
        sums.setdefault(row["year"], {})[row["nature"]] = row["total"] or 0
    rows = []
    for y in sorted(sums):
        values = sums[y]
        total = sum(values.values())
        share = values.get(Nature.COMMON_LAW, 0) / total * 100 if total else None
        rows.append(
            [str(y)]
            + [euros(values.get(n, 0)) for n in Nature.values]
            + ["—" if share is None else f"{format_number(share, 1)} %"]
        )
    return _table(
        "Montants accordés par année et par nature",
        ["Année", *Nature.labels, "Part du droit commun"],
        rows,
    )


def _flagship(action):
    paragraphs = [f"Porteur : {action.porteur.name}. Statut : {action.get_status_display()}."]
    changes = [
        f"{date_text(c.on)} : {c.get_from_status_display()} → {c.get_to_status_display()} ({c.reason})"
        for c in action.status_changes.all()
    ]
    bilans = [
        f"Bilan {b.year} : "
        + (f"transmis le {date_text(b.submitted_on)}" if b.submitted_on else "non transmis")
        + (f", {b.beneficiaries} bénéficiaires" if b.beneficiaries is not None else "")
        for b in action.bilans.all()
    ]
    return _section(
        f"Projet phare : {action.title}",
        MEL_63,
        paragraphs=paragraphs,
        items=changes + bilans or ["Aucun changement de statut ni bilan enregistré."],
    )


def _flagships(actions):
    actions = list(
        Action.objects.filter(pk__in=[a.pk for a in actions])
        .select_related("porteur")
        .prefetch_related("status_changes", "bilans")
        .order_by("title", "pk")
    )
    if not actions:
        return [
            _section(
                "Les trois projets phares",
                MEL_63,
                paragraphs=["Aucun projet phare n'a été désigné lors de la génération."],
            )
        ]
    return [_flagship(a) for a in actions]


# --- building the two kinds -------------------------------------------------------------


@dataclass
class Extra:
    """What the coordinators add when generating: texts, the flagship projects."""

    texts: dict
    flagships: list


def annual_sections(year, extra):
    sections = [_orientations(), _situation(), _actions(year), _questions(year), _collective(year)]
    sections += [_typed(extra.texts, *spec) for spec in ANNUAL_TEXTS]
    return sections


def milestone_sections(year, extra):
    return [
        _section(
            "Le point d'étape",
            MEL_63,
            paragraphs=[MILESTONE_TEXT, "L'évaluation poursuivra deux objectifs principaux :"],
            items=[OBJECTIVE_COMMON_LAW, OBJECTIVE_ORIENTATIONS],
        ),
        _section(
            f"Objectif 1 : {OBJECTIVE_COMMON_LAW}",
            MEL_63,
            tables=[
                _common_law_by_year(year),
                _findings_table([FindingKind.PRACTICE, FindingKind.LEVER, FindingKind.BRAKE]),
            ],
        ),
        _section(
            f"Objectif 2 : {OBJECTIVE_ORIENTATIONS}",
            MEL_63,
            tables=[_recommendations_table(year)],
        ),
        _section(
            "Les indicateurs et les cibles",
            MEL_63,
            paragraphs=[APPROACH_TEXT],
            tables=[_targets_table(), _diagnostic_table()],
        ),
        _questions(year),
        *_flagships(extra.flagships),
    ]


def questions_only(year):
    """One section alone (the benchmark's reference)."""
    return _questions(year)


TITLES = {
    ReportKind.ANNUAL: "Rapport annuel {year} du contrat de ville et des solidarités",
    ReportKind.MILESTONE: "Point d'étape {year} du contrat de ville et des solidarités",
}
BUILDERS = {ReportKind.ANNUAL: annual_sections, ReportKind.MILESTONE: milestone_sections}


def snapshot(year: int, kind=ReportKind.ANNUAL, extra: Extra | None = None) -> dict:
    extra = extra or Extra({}, [])
    return {"kind": str(kind), "year": year, "sections": BUILDERS[kind](year, extra)}


@transaction.atomic
def generate(year: int, user, kind=ReportKind.ANNUAL, texts=None, flagships=()) -> Report:
    require(user, "evaluation.manage")
    return Report.objects.create(
        kind=kind,
        year=year,
        title=TITLES[kind].format(year=year),
        snapshot=snapshot(year, kind, Extra(dict(texts or {}), list(flagships))),
        created_by=user if user is not None and user.is_authenticated else None,
    )


def sections(report: Report) -> list[dict]:
    """The frozen sections; a report frozen before sections existed is shown as it was."""
    data = report.snapshot
    if "sections" in data:
        return data["sections"]
    b = data.get("bilans") or {"total": 0, "received": 0, "late": 0}
    diagnostic = [
        [r["table"], r["indicator"], r["reference"], " ; ".join(r["compared"]), r["gaps"],
         r["wording"] or "—"]
        for r in data.get("diagnostic", [])
    ]  # fmt: skip
    return [
        _section("Le diagnostic", tables=[_table("Diagnostic", ["Tableau", "Indicateur",
                 "Référence", "Comparé à", "Écart calculé", "Selon le contrat"], diagnostic)]),
        _section("Les cibles", items=[f"« {t['text']} » — {t['bound']} : {t['status']}"
                 for t in data.get("targets", [])]),
        _section("Les bilans des porteurs", paragraphs=[f"{b['total']} bilan(s) ouvert(s), "
                 f"{b['received']} reçu(s), {b['late']} en retard."]),
        _section("Les questions évaluatives", items=data.get("questions", [])),
    ]  # fmt: skip


# --- files ------------------------------------------------------------------------------


def _stable_zip(data: bytes, when) -> bytes:
    """The same archive with every entry dated `when` (the report's generation), in the
    same order and compression: a file generated again is identical, byte for byte."""
    stamp = timezone.localtime(when).timetuple()[:6]
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=stamp)
            entry.compress_type = info.compress_type
            entry.external_attr = 0o644 << 16
            target.writestr(entry, source.read(info.filename))
    return out.getvalue()


def _intro(report):
    return f"Généré le {date_text(timezone.localtime(report.created_at).date())} ; contenu figé à cette date."


def odt(report: Report) -> bytes:
    doc = OpenDocumentText()
    column = Style(name="Colonne", family="table-column")
    column.addElement(TableColumnProperties(columnwidth="3cm"))
    doc.automaticstyles.addElement(column)
    small = Style(name="Fondement", family="text")
    small.addElement(TextProperties(fontstyle="italic"))
    doc.automaticstyles.addElement(small)
    doc.text.addElement(H(outlinelevel=1, text=report.title))
    doc.text.addElement(P(text=_intro(report)))
    numbers = itertools.count(1)
    for section in sections(report):
        doc.text.addElement(H(outlinelevel=2, text=section["heading"]))
        if section["basis"]:
            doc.text.addElement(P(text=f"Fondement : {section['basis']}"))
        for paragraph in section["paragraphs"]:
            doc.text.addElement(P(text=paragraph))
        if section["items"]:
            items = List()
            for text in section["items"]:
                item = ListItem()
                item.addElement(P(text=text))
                items.addElement(item)
            doc.text.addElement(items)
        for data in section["tables"]:
            doc.text.addElement(P(text=data["caption"]))
            table = Table(name=f"Tableau{next(numbers)}")
            table.addElement(TableColumn(numbercolumnsrepeated=len(data["headers"]),
                                         stylename=column))  # fmt: skip
            for cells in [data["headers"], *data["rows"]]:
                tr = TableRow()
                for text in cells:
                    cell = TableCell(valuetype="string")
                    cell.addElement(P(text=text))
                    tr.addElement(cell)
                table.addElement(tr)
            doc.text.addElement(table)
    out = io.BytesIO()
    doc.write(out)
    return _stable_zip(out.getvalue(), report.created_at)


def docx(report: Report) -> bytes:
    doc = python_docx.Document()
    when = timezone.localtime(report.created_at).replace(tzinfo=None, microsecond=0)
    props = doc.core_properties
    props.title, props.author, props.last_modified_by = report.title, "cdvs", "cdvs"
    props.created = props.modified = props.last_printed = when
    props.revision = 1
    props.language = "fr-FR"
    doc.add_heading(report.title, level=0)
    doc.add_paragraph(_intro(report))
    for section in sections(report):
        doc.add_heading(section["heading"], level=1)
        if section["basis"]:
            doc.add_paragraph(f"Fondement : {section['basis']}").runs[0].italic = True
        for paragraph in section["paragraphs"]:
            doc.add_paragraph(paragraph)
        for text in section["items"]:
            doc.add_paragraph(text, style="List Bullet")
        for data in section["tables"]:
            doc.add_paragraph(data["caption"])
            table = doc.add_table(rows=1, cols=len(data["headers"]))
            table.style = "Table Grid"
            for cell, text in zip(table.rows[0].cells, data["headers"], strict=True):
                cell.text = text
            for cells in data["rows"]:
                for cell, text in zip(table.add_row().cells, cells, strict=True):
                    cell.text = text
    out = io.BytesIO()
    doc.save(out)
    return _stable_zip(out.getvalue(), report.created_at)
