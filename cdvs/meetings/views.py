"""Calendar pages anyone can read (what they see follows each meeting's visibility),
the partners' pages (mes réunions, propositions, private feeds) and the feeds."""

import calendar
import hashlib
from datetime import date, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Max, Q, Sum
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from cdvs.accounts.permissions import (
    can,
    gate_visible,
    login_if_needed,
    readable_condition,
    readable_key,
    require,
)
from cdvs.core.cache import cached
from cdvs.core.french import MONTHS, WEEKDAYS, hour
from cdvs.directory.models import Organisation

from . import ics, services
from .filters import MeetingFilters, NextStepFilters
from .forms import ProposalForm
from .models import (
    PARIS,
    AgendaItem,
    CalendarFeedToken,
    ItemStatus,
    Meeting,
    MeetingSeries,
    Minutes,
    NextStep,
    Unsubscription,
    agenda_order,
)

PAGE_SIZE = 50


def _meetings(user):
    return Meeting.objects.visible_to(user).select_related("series", "enjeu")


def _with_item_counts(meetings):
    """Set `n_items` (retained agenda items) on a page of meetings, in one query."""
    meetings = list(meetings)
    counts = dict(
        AgendaItem.objects.filter(
            meeting_id__in=[m.pk for m in meetings], status=ItemStatus.ACCEPTED
        )
        .values("meeting_id")
        .annotate(n=Count("pk"))
        .values_list("meeting_id", "n")
    )
    url = reverse("meetings:detail", args=[0]).removesuffix("0/")
    for m in meetings:
        m.n_items = counts.get(m.pk, 0)
        m.url = f"{url}{m.pk}/"
    return meetings


def _page(request, queryset):
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = _with_item_counts(page.object_list)
    return page


def _filters(request, queryset):
    """?instance=<pk>&organisation=<pk>: the same filters on every calendar page."""
    filters = MeetingFilters(request.GET)
    return filters.filter(queryset), filters.values


def _filter_context(request, chosen):
    series = list(MeetingSeries.objects.visible_to(request.user).only("pk", "name", "short_name"))
    return {
        "all_series": series,
        "chosen": chosen,
        "query": "&".join(f"{k}={v}" for k, v in chosen.items()),
    }


def _fold_placeholders(queryset):
    """The dated meetings and the next « à planifier » of each instance, in order; the
    other placeholders (up to 2030) apart, to be folded under the list."""
    to_plan = queryset.filter(day__isnull=True).chronological()
    first, seen = [], set()
    for pk, series_id in to_plan.values_list("pk", "series_id"):
        if series_id is None or series_id not in seen:
            first.append(pk)
            seen.add(series_id)
    shown = queryset.filter(Q(day__isnull=False) | Q(pk__in=first)).chronological()
    return shown, list(to_plan.exclude(pk__in=first))


def index(request):
    """List view: the coming meetings (dated and à planifier), in order."""
    today = timezone.localdate()
    queryset, chosen = _filters(request, _meetings(request.user).upcoming(today))
    past = request.GET.get("passees") == "1"
    if past:
        queryset, chosen = _filters(
            request,
            _meetings(request.user).filter(
                Q(day__lt=today) | Q(day__isnull=True, window_end__lt=today)
            ),
        )
        queryset = queryset.order_by("-sort_date", "-start", "-pk")
        folded = []
    else:
        queryset, folded = _fold_placeholders(queryset)
    page = _page(request, queryset)
    if page.number > 1:
        folded = []
    return render(
        request,
        "meetings/index.html",
        {
            "page": page,
            "folded": _with_item_counts(folded),
            "past": past,
            "pager_query": "&".join(
                [f"{k}={v}" for k, v in chosen.items()] + (["passees=1"] if past else [])
            ),
            "today": today,
            "title": "Réunions passées" if past else "Prochaines réunions",
            **_filter_context(request, chosen),
        },
    )


def month(request, year, month):
    if not (1 <= month <= 12 and 2000 <= year <= 2100):
        raise Http404("Mois inconnu")
    first = date(year, month, 1)
    last = date(year, month, calendar.monthrange(year, month)[1])
    queryset, chosen = _filters(
        request, Meeting.objects.visible_to(request.user).between(first, last)
    )
    # a month may hold hundreds of meetings: plain rows (no model instance), the URL
    # built from one reverse(), no date formatting in the template
    url = reverse("meetings:detail", args=[0]).removesuffix("0/")
    dated, to_set = {}, []
    rows = queryset.chronological().values("pk", "title", "day", "start", "status", "window_label")
    for row in rows:
        start = row["start"]
        entry = {
            "url": f"{url}{row['pk']}/",
            "title": row["title"],
            "cancelled": row["status"] == "annulee",
            "time": hour(start.astimezone(PARIS).time()) if start else "",
            "window_label": row["window_label"],
        }
        if row["day"] is None:
            to_set.append(entry)
        else:
            dated.setdefault(row["day"], []).append(entry)
    weeks = []
    for week in calendar.Calendar(firstweekday=0).monthdatescalendar(year, month):
        weeks.append(
            [{"day": d, "in_month": d.month == month, "meetings": dated.get(d, [])} for d in week]
        )
    previous = first - timedelta(days=1)
    following = last + timedelta(days=1)
    return render(
        request,
        "meetings/month.html",
        {
            "weeks": weeks,
            "to_set": to_set,
            "month_label": f"{MONTHS[month - 1]} {year}",
            "weekdays": WEEKDAYS,
            "previous": previous,
            "previous_label": f"{MONTHS[previous.month - 1]} {previous.year}",
            "following": following,
            "following_label": f"{MONTHS[following.month - 1]} {following.year}",
            "today": timezone.localdate(),
            "count": sum(len(v) for v in dated.values()),
            **_filter_context(request, chosen),
        },
    )


def current_month(request):
    today = timezone.localdate()
    return month(request, today.year, today.month)


def series_list(request):
    series = (
        MeetingSeries.objects.visible_to(request.user)
        .select_related("commune", "organiser")
        .annotate(n_meetings=Count("meetings", filter=Q(meetings__deleted_at__isnull=True)))
    )
    return render(request, "meetings/series_list.html", {"series_list": series})


@login_if_needed
def series_detail(request, pk):
    series = get_object_or_404(
        MeetingSeries.objects.select_related("commune", "organiser", "feeds_into", "section"), pk=pk
    )
    gate_visible(request.user, series, MEETING_HIDDEN)
    upcoming = _with_item_counts(
        _meetings(request.user).filter(series=series).upcoming().chronological()[:12]
    )
    return render(
        request,
        "meetings/series_detail.html",
        {
            "series": series,
            "upcoming": upcoming,
            "participants": series.participants.all(),
            "seed_fields": list(series.seed_fields.items()),
            "can_manage": can(request.user, "meetings.manage", series),
            "public_feed": series.visibility == "public",
        },
    )


def organisation(request, pk):
    org = get_object_or_404(Organisation, pk=pk)
    queryset = _meetings(request.user).for_organisation(org.pk).upcoming().chronological()
    page = _page(request, queryset)
    return render(request, "meetings/organisation.html", {"organisation": org, "page": page})


@login_required
def mine(request):
    queryset = _meetings(request.user).for_user(request.user).upcoming().chronological()
    page = _page(request, queryset)
    tokens = CalendarFeedToken.objects.active().filter(user=request.user)
    return render(
        request,
        "meetings/mine.html",
        {"page": page, "tokens": tokens, "can_feed": can(request.user, "meetings.private_feed")},
    )


MEETING_HIDDEN = "Cette réunion n'est pas visible avec votre rôle."


def _visible_meeting(request, pk, queryset=None):
    meeting = get_object_or_404(
        (queryset if queryset is not None else Meeting.objects).select_related(
            "series__commune", "series__feeds_into", "enjeu", "organiser", "action__objective"
        ),
        pk=pk,
    )
    gate_visible(request.user, meeting, MEETING_HIDDEN)
    return meeting


@login_if_needed
def detail(request, pk):
    meeting = _visible_meeting(request, pk)
    user = request.user
    manage = can(user, "meetings.manage", meeting)
    confidential = can(user, "meetings.view_confidential", meeting)
    items = AgendaItem.objects.filter(meeting=meeting).select_related(
        "enjeu", "proposed_by_organisation", "source_meeting", "action__objective"
    )
    if not manage:
        items = items.filter(
            Q(status=ItemStatus.ACCEPTED)
            | (Q(proposed_by=user) if user.is_authenticated else Q(pk__in=[]))
        )
    if not confidential:
        items = items.filter(confidential=False)
    minutes = Minutes.objects.filter(meeting=meeting).first()
    if minutes and not minutes.is_published and not manage:
        minutes = None
    show_attendance = can(user, "meetings.view_attendance", meeting)
    attendances = (
        meeting.attendances.select_related("organisation", "user") if show_attendance else []
    )
    return render(
        request,
        "meetings/detail.html",
        {
            "meeting": meeting,
            "items": services.with_readable_documents(items.order_by(*agenda_order()), user),
            "carried": list(services.carried_next_steps(meeting)),
            "minutes": minutes,
            "next_steps": list(
                meeting.next_steps.select_related(
                    "who_organisation", "enjeu", "action__objective"
                ).order_by("due_date", "pk")
            ),
            "attendances": attendances,
            "show_attendance": show_attendance,
            "show_emails": manage,
            "can_manage": manage,
            "can_propose": can(user, "meetings.propose_item", meeting)
            and meeting.status == "planifiee"
            and (meeting.day or meeting.window_end) >= timezone.localdate(),
            "today": timezone.localdate(),
            "raisable": bool(meeting.series and meeting.series.feeds_into_id),
        },
    )


@login_required
@login_if_needed
def propose(request, pk):
    meeting = _visible_meeting(request, pk)
    require(request.user, "meetings.propose_item", meeting)
    form = ProposalForm(request.POST or None, meeting=meeting)
    if request.method == "POST" and form.is_valid():
        try:
            services.propose_item(meeting, form, request.user)
        except services.MeetingError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                "Merci : votre proposition a été transmise au service qui anime l'instance.",
            )
            return redirect("meetings:detail", pk=meeting.pk)
    return render(
        request,
        "meetings/form.html",
        {
            "form": form,
            "meeting": meeting,
            "title": "Proposer un point à l'ordre du jour",
            "back": reverse("meetings:detail", args=[meeting.pk]),
        },
    )


def next_steps(request):
    """Dashboard of the next steps of the meetings one may see; late ones first."""
    today = timezone.localdate()
    status = request.GET.get("statut", "ouvertes")
    queryset = NextStep.objects.filter(
        readable_condition(request.user, Meeting, through="meeting"),
        meeting__deleted_at__isnull=True,
    ).select_related("meeting__series", "who_organisation", "enjeu", "action__objective")
    if status == "ouvertes":
        queryset = queryset.open()
    filters = NextStepFilters(request.GET)
    queryset = filters.filter(queryset)
    steps = list(queryset.order_by("due_date", "pk")[:500])
    late = [s for s in steps if s.is_late(today)]
    others = [s for s in steps if not s.is_late(today)]
    return render(
        request,
        "meetings/next_steps.html",
        {
            "late": late,
            "others": others,
            "status": status,
            "today": today,
            **_filter_context(request, filters.values),
        },
    )


# ---------------------------------------------------------------------- feeds


def _feed_queryset(request, user, past_days=365, future_days=2 * 365):
    """Dated meetings of the last year and the next two; `?annee=2027` for one year."""
    today = timezone.localdate()
    first, last = today - timedelta(days=past_days), today + timedelta(days=future_days)
    year = request.GET.get("annee", "")
    if year.isdigit() and 2000 <= int(year) <= 2100:
        first, last = date(int(year), 1, 1), date(int(year), 12, 31)
    return (
        Meeting.objects.visible_to(user)
        .filter(day__gte=first, day__lte=last)
        .order_by("day", "start", "pk")
    )


def _feed_response(request, queryset, name: str, filename: str, scope: str):
    """The feed, with an ETag: calendar clients poll often; an unchanged feed answers
    304, and its body is kept in the cache (shared between processes with Redis)."""
    meetings = queryset.order_by().aggregate(
        n=Count("pk"), last=Max("updated_at"), versions=Sum("sequence")
    )
    items = AgendaItem.objects.filter(meeting__in=queryset.order_by().values("pk")).aggregate(
        n=Count("pk"), last=Max("pk")
    )
    raw = "|".join(
        map(str, [scope, name, request.GET.get("annee", ""), *meetings.values(), *items.values()])
    )
    etag = '"' + hashlib.sha256(raw.encode()).hexdigest()[:32] + '"'
    if request.headers.get("If-None-Match") == etag:
        response = HttpResponse(status=304)
        response["ETag"] = etag
        return response
    content = cached(("meetings-feed", etag), lambda: ics.feed(queryset, name))
    response = _ics_response(content, filename)
    response["ETag"] = etag
    return response


def _ics_response(content: bytes, filename: str):
    response = HttpResponse(content, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "private, max-age=300"
    return response


def public_feed(request, pk=None):
    """Public meetings only (e.g. the conseils de quartier), for anyone."""
    queryset = _feed_queryset(request, None)  # what anyone may see
    name = "Réunions publiques du contrat de ville"
    if pk is not None:
        series = get_object_or_404(MeetingSeries, pk=pk, visibility="public")
        queryset = queryset.filter(series=series)
        name = series.label
    scope = f"public|{pk}"
    return _feed_response(request, queryset, name, "reunions-publiques.ics", scope)


def _token_user(token):
    feed_token = (
        CalendarFeedToken.objects.active().select_related("user").filter(token=token).first()
    )
    if feed_token is None or not can(feed_token.user, "meetings.private_feed"):
        raise Http404("Adresse d'abonnement inconnue ou révoquée")
    CalendarFeedToken.objects.filter(pk=feed_token.pk).update(last_used_at=timezone.now())
    return feed_token.user


def private_feed(request, token, scope="tout", pk=None):
    user = _token_user(token)
    queryset = _feed_queryset(request, user)
    name = "Réunions du contrat de ville"
    if scope == "instance":
        series = get_object_or_404(MeetingSeries.objects.visible_to(user), pk=pk)
        queryset = queryset.filter(series=series)
        name = series.label
    elif scope == "organisation":
        org = get_object_or_404(Organisation, pk=pk)
        queryset = queryset.for_organisation(org.pk)
        name = f"Réunions — {org}"
    elif scope == "mes-reunions":
        queryset = queryset.for_user(user)
        name = "Mes réunions du contrat de ville"
    key = f"{readable_key(user)}|{scope}|{pk}|{user.pk if scope == 'mes-reunions' else ''}"
    return _feed_response(request, queryset, name, "reunions.ics", key)


@login_required
@require_POST
def create_token(request):
    require(request.user, "meetings.private_feed")
    CalendarFeedToken.objects.create(user=request.user)
    messages.success(
        request,
        "Votre adresse d'abonnement privée est prête. Ne la partagez pas : elle donne accès "
        "à vos réunions.",
    )
    return redirect("meetings:mine")


@login_required
@require_POST
def revoke_token(request, pk):
    token = get_object_or_404(CalendarFeedToken, pk=pk, user=request.user, revoked_at=None)
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    messages.success(request, "Adresse d'abonnement révoquée : elle ne fonctionne plus.")
    return redirect("meetings:mine")


def unsubscribe(request, token):
    """The signed link of every mailing: a page that asks to confirm (a mail scanner
    following the link changes nothing), then records the unsubscription."""
    try:
        series, email = services.read_unsubscribe_token(token)
    except services.MeetingError as exc:
        return render(request, "meetings/unsubscribe.html", {"error": str(exc)}, status=400)
    done = Unsubscription.objects.filter(series=series, email=email).exists()
    if request.method == "POST" and not done:
        services.unsubscribe(series, email)
        done = True
        messages.success(request, "Désinscription enregistrée.")
    return render(
        request,
        "meetings/unsubscribe.html",
        {"series": series, "email": email, "done": done},
    )
