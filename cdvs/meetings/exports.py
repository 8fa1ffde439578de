"""Exports (CSV, ODS, XLSX) of meetings, attendance and next steps, for coordinators,
limited to their territory; through the project's single export helper."""

from django.contrib.auth.decorators import login_required
from django.http import Http404

from cdvs.accounts.permissions import filter_allowed, require
from cdvs.core.exports import export_response

from .filters import SeriesFilter
from .models import Attendance, Meeting, NextStep


def _meeting_rows(meetings):
    for m in meetings:
        yield [
            m.series.label if m.series_id else "",
            m.title,
            m.day,
            m.local_start(),
            m.local_end(),
            m.window_label if m.date_to_set else "",
            m.place_text(),
            m.get_format_display(),
            m.get_status_display(),
            m.get_visibility_display(),
            f"Enjeu {m.enjeu.number}" if m.enjeu_id else "",
            m.uid,
            m.sequence,
        ]


MEETING_HEADERS = [
    "Instance",
    "Titre",
    "Date",
    "Début",
    "Fin",
    "À planifier en",
    "Lieu",
    "Format",
    "Statut",
    "Visibilité",
    "Enjeu travaillé",
    "Identifiant iCalendar",
    "Version",
]

ATTENDANCE_HEADERS = [
    "Réunion",
    "Date",
    "Organisation",
    "Nom",
    "Adresse électronique",
    "Présence",
    "Représenté par",
]

STEP_HEADERS = [
    "Réunion",
    "Date de la réunion",
    "Suite à donner",
    "Qui",
    "Organisation en charge",
    "Échéance",
    "Enjeu",
    "Piste ou action du contrat",
    "Autre action liée",
    "Statut",
    "En retard",
]


@login_required
def export(request, table, fmt):
    require(request.user, "meetings.export")
    meetings = filter_allowed(request.user, "meetings.export", Meeting.objects.all())
    meetings = SeriesFilter(request.GET).filter(meetings)
    if table == "reunions":
        rows = _meeting_rows(
            meetings.select_related("series", "enjeu").order_by("sort_date", "start", "pk")
        )
        return export_response("reunions", "Réunions", MEETING_HEADERS, rows, fmt)
    if table == "presences":
        attendances = (
            Attendance.objects.filter(meeting__in=meetings)
            .select_related("meeting", "organisation", "user")
            .order_by("meeting__sort_date", "meeting_id", "organisation__name", "name", "pk")
        )
        rows = (
            [
                a.meeting.title,
                a.meeting.day,
                a.organisation.name if a.organisation_id else "",
                a.name or (str(a.user) if a.user_id else ""),
                a.email or (a.user.email if a.user_id else ""),
                a.get_status_display(),
                a.represented_by,
            ]
            for a in attendances
        )
        return export_response("presences", "Présences", ATTENDANCE_HEADERS, rows, fmt)
    if table == "suites":
        steps = (
            NextStep.objects.filter(meeting__in=meetings)
            .select_related("meeting", "who_organisation", "enjeu", "action")
            .order_by("due_date", "pk")
        )
        rows = (
            [
                s.meeting.title,
                s.meeting.day,
                s.what,
                s.who,
                s.who_organisation.name if s.who_organisation_id else "",
                s.due_date,
                f"Enjeu {s.enjeu.number}" if s.enjeu_id else "",
                s.action.text if s.action_id else "",
                s.action_label,
                s.get_status_display(),
                s.is_late(),
            ]
            for s in steps
        )
        return export_response("suites-a-donner", "Suites à donner", STEP_HEADERS, rows, fmt)
    raise Http404("Export inconnu")
