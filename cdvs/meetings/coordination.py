"""Coordination pages: the service that runs an instance sets dates and places,
cancels, builds the agenda, records attendance, writes and publishes the minutes,
follows the next steps and sends the invitations."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from cdvs.accounts.permissions import can, filter_allowed, require
from cdvs.core.french import count, plural
from cdvs.core.history import history_page
from cdvs.core.markup import render_markdown
from cdvs.core.trash import confirm_trash, restore_from_trash

from . import services
from .forms import (
    AgendaItemForm,
    AttendanceFormSet,
    AttendeeForm,
    CancelForm,
    InvitationForm,
    MeetingForm,
    MinutesForm,
    NewMeetingForm,
    NextStepForm,
    SeriesForm,
)
from .models import (
    AgendaItem,
    ItemStatus,
    Meeting,
    MeetingSeries,
    Minutes,
    NextStep,
    agenda_order,
)


def _meeting(request, pk, *, deleted=False):
    manager = Meeting.all_objects if deleted else Meeting.objects
    meeting = get_object_or_404(
        manager.select_related("series__commune", "series__feeds_into", "enjeu"), pk=pk
    )
    require(request.user, "meetings.manage", meeting)
    return meeting


def _back(meeting):
    return reverse("meetings:detail", args=[meeting.pk])


def _form_page(request, form, meeting, title, intro=""):
    return render(
        request,
        "meetings/form.html",
        {"form": form, "meeting": meeting, "title": title, "intro": intro, "back": _back(meeting)},
    )


@login_required
def edit(request, pk):
    meeting = _meeting(request, pk)
    form = MeetingForm(request.POST or None, meeting=meeting)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_meeting(
                meeting, form.changes(), request.user, notify=form.cleaned_data["notify"]
            )
        except services.MeetingError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "Réunion mise à jour.")
            return redirect(_back(meeting))
    intro = ""
    if meeting.date_to_set:
        intro = (
            "Le contrat ne donne pas le jour de cette réunion : elle est à planifier en "
            f"{meeting.window_label}. Une fois la date fixée, la règle de l'instance ne la "
            "déplacera plus."
        )
    return _form_page(request, form, meeting, f"Modifier : {meeting.title}", intro)


@login_required
def cancel(request, pk):
    meeting = _meeting(request, pk)
    form = CancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.cancel_meeting(
                meeting, form.cleaned_data["reason"], request.user, form.cleaned_data["notify"]
            )
        except services.MeetingError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(
                request,
                "Réunion annulée. Les agendas abonnés l'afficheront comme annulée.",
            )
        return redirect(_back(meeting))
    return _form_page(request, form, meeting, f"Annuler : {meeting.title}")


@login_required
@require_POST
def reinstate(request, pk):
    meeting = _meeting(request, pk)
    try:
        services.reinstate_meeting(meeting, request.user)
    except services.MeetingError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "L'annulation est levée.")
    return redirect(_back(meeting))


@login_required
def create(request):
    require(request.user, "meetings.manage")
    series = filter_allowed(request.user, "meetings.manage", MeetingSeries.objects.all())
    form = NewMeetingForm(request.POST or None, series_queryset=series)
    if request.method == "POST" and form.is_valid():
        if form.cleaned_data["series"] and not can(
            request.user, "meetings.manage", form.cleaned_data["series"]
        ):
            require(request.user, "meetings.manage", form.cleaned_data["series"])
        meeting = services.create_meeting(form, request.user)
        messages.success(request, "Réunion créée.")
        return redirect(_back(meeting))
    return render(
        request,
        "meetings/form.html",
        {"form": form, "title": "Nouvelle réunion", "back": reverse("meetings:index")},
    )


@login_required
def delete(request, pk):
    meeting = _meeting(request, pk)
    return confirm_trash(
        request,
        meeting,
        heading=f"Mettre à la corbeille : {meeting.title}",
        explanation=f"{meeting.when_text}. La réunion disparaît de l'agenda et des abonnements "
        "mais reste restaurable depuis la corbeille, avec son contenu. Pour prévenir les "
        "invités, annulez-la plutôt.",
        back=reverse("meetings:detail", args=[meeting.pk]),
        then="meetings:index",
        done=f"« {meeting} » a été mise à la corbeille ; vous pouvez la restaurer.",
        reason="Mise à la corbeille",
    )


@login_required
@require_POST
def restore(request, pk):
    meeting = _meeting(request, pk, deleted=True)
    return restore_from_trash(
        request,
        meeting,
        then="meetings_coordination:trash",
        done=f"« {meeting} » a été restaurée.",
        reason="Restaurée",
    )


@login_required
def trash(request):
    require(request.user, "meetings.manage")
    meetings = filter_allowed(
        request.user, "meetings.manage", Meeting.all_objects.deleted()
    ).select_related("series", "deleted_by")
    return render(request, "meetings/coordination/trash.html", {"meetings": meetings})


# --------------------------------------------------------------------- agenda


@login_required
def agenda(request, pk):
    meeting = _meeting(request, pk)
    form = AgendaItemForm(request.POST or None, meeting=meeting, user=request.user)
    if request.method == "POST" and form.is_valid():
        services.add_item(meeting, form, request.user)
        messages.success(request, "Point ajouté à l'ordre du jour.")
        return redirect("meetings_coordination:agenda", pk=meeting.pk)
    items = services.with_readable_documents(
        AgendaItem.objects.filter(meeting=meeting)
        .select_related(
            "enjeu",
            "proposed_by",
            "proposed_by_organisation",
            "source_meeting",
            "action__objective",
        )
        .prefetch_related(Prefetch("raised_as", to_attr="raised"))
        .order_by(*agenda_order()),
        request.user,
    )
    _mark_moves(items)
    return render(
        request,
        "meetings/coordination/agenda.html",
        {
            "meeting": meeting,
            "form": form,
            "items": items,
            "proposed": [i for i in items if i.status == ItemStatus.PROPOSED],
            "has_template": bool(meeting.series and meeting.series.agenda_template),
            "raisable": bool(meeting.series and meeting.series.feeds_into_id),
            "carried": list(services.carried_next_steps(meeting)),
        },
    )


def _mark_moves(items):
    """`can_up` / `can_down` on each point: a move stays inside its temps and never
    passes the heading of the temps."""
    groups = {}
    for item in items:
        item.can_up = item.can_down = False
        if not item.heading:
            groups.setdefault(item.temps, []).append(item)
    for group in groups.values():
        for n, item in enumerate(group):
            item.can_up, item.can_down = n > 0, n < len(group) - 1


def _item(request, pk):
    item = get_object_or_404(AgendaItem.objects.select_related("meeting__series"), pk=pk)
    require(request.user, "meetings.manage", item.meeting)
    return item


@login_required
def edit_item(request, pk):
    item = _item(request, pk)
    form = AgendaItemForm(
        request.POST or None, instance=item, meeting=item.meeting, user=request.user
    )
    if request.method == "POST" and form.is_valid():
        services.update_item(form, request.user)
        messages.success(request, "Point modifié.")
        return redirect("meetings_coordination:agenda", pk=item.meeting_id)
    return render(
        request,
        "meetings/form.html",
        {
            "form": form,
            "meeting": item.meeting,
            "title": "Modifier un point de l'ordre du jour",
            "back": reverse("meetings_coordination:agenda", args=[item.meeting_id]),
        },
    )


@login_required
def delete_item(request, pk):
    """« Retirer » asks first; the point stays in the history of the meeting."""
    item = _item(request, pk)
    back = reverse("meetings_coordination:agenda", args=[item.meeting_id])
    if request.method == "POST":
        services.delete_item(item, request.user)
        messages.success(request, f"« {item.title} » a été retiré de l'ordre du jour.")
        return redirect(back)
    return render(
        request,
        "meetings/coordination/confirm_delete_item.html",
        {"item": item, "meeting": item.meeting, "back": back},
    )


@login_required
@require_POST
def move_item(request, pk):
    """« Monter » / « Descendre »: one place inside the temps of the point."""
    item = _item(request, pk)
    try:
        moved = services.move_item(item, request.POST.get("direction", ""), request.user)
    except services.MeetingError as exc:
        messages.error(request, str(exc))
    else:
        if not moved:
            messages.info(request, f"« {item.title} » est déjà à cette place dans son temps.")
    return redirect(
        reverse("meetings_coordination:agenda", args=[item.meeting_id]) + f"#point-{item.pk}"
    )


@login_required
@require_POST
def decide_item(request, pk):
    item = _item(request, pk)
    try:
        services.decide_item(item, request.POST.get("decision", ""), request.user)
    except services.MeetingError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"« {item.title} » : {item.get_status_display().lower()}.")
    return redirect("meetings_coordination:agenda", pk=item.meeting_id)


@login_required
@require_POST
def raise_item(request, pk):
    item = _item(request, pk)
    try:
        raised = services.raise_item(item, request.user)
    except services.MeetingError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            f"« {item.title} » remontera à la réunion « {raised.meeting} » "
            "(en attente de validation).",
        )
    return redirect("meetings_coordination:agenda", pk=item.meeting_id)


@login_required
@require_POST
def apply_template(request, pk):
    meeting = _meeting(request, pk)
    try:
        n = services.apply_template(meeting, request.user)
    except services.MeetingError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Trame ajoutée : {n} temps.")
    return redirect("meetings_coordination:agenda", pk=meeting.pk)


# ----------------------------------------------------------------- attendance


@login_required
def attendance(request, pk):
    meeting = _meeting(request, pk)
    queryset = meeting.attendances.select_related("organisation", "user")
    add_form = AttendeeForm(prefix="ajout")
    formset = AttendanceFormSet(queryset=queryset, prefix="presences")
    if request.method == "POST":
        if "ajout-status" in request.POST:
            add_form = AttendeeForm(request.POST, prefix="ajout")
            if add_form.is_valid():
                services.add_attendee(meeting, add_form, request.user)
                messages.success(request, "Ajouté à la liste de présence.")
                return redirect("meetings_coordination:attendance", pk=meeting.pk)
        else:
            formset = AttendanceFormSet(request.POST, queryset=queryset, prefix="presences")
            if formset.is_valid():
                services.record_attendance(formset, request.user)
                messages.success(request, "Présences enregistrées.")
                return redirect("meetings_coordination:attendance", pk=meeting.pk)
    return render(
        request,
        "meetings/coordination/attendance.html",
        {"meeting": meeting, "formset": formset, "add_form": add_form},
    )


# -------------------------------------------------------------------- minutes


def _minutes_page(request, meeting, form, instance, preview=None):
    return render(
        request,
        "meetings/coordination/minutes.html",
        {
            "meeting": meeting,
            "form": form,
            "minutes": instance,
            "preview": preview,
            "step_form": NextStepForm(),
            "next_steps": meeting.next_steps.select_related(
                "who_organisation", "enjeu", "action__objective"
            ),
        },
    )


@login_required
def minutes(request, pk):
    """Write the minutes: « Enregistrer », « Prévisualiser » (the text rendered as it
    will be published, nothing saved) and « Publier » all submit the same form."""
    meeting = _meeting(request, pk)
    instance = Minutes.objects.filter(meeting=meeting).first()
    form = MinutesForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        if request.POST.get("action") == "previsualiser":
            preview = {
                "body": render_markdown(form.cleaned_data["body"]),
                "decisions": render_markdown(form.cleaned_data["decisions"]),
            }
            return _minutes_page(request, meeting, form, instance, preview)
        if request.POST.get("action") == "publier":
            return _publish(request, meeting, form, instance)
        services.save_minutes(meeting, form, request.user)
        messages.success(
            request,
            "Compte-rendu enregistré."
            + ("" if instance and instance.is_published else " Il n'est pas encore publié."),
        )
        return redirect("meetings_coordination:minutes", pk=meeting.pk)
    return _minutes_page(request, meeting, form, instance)


def _publish(request, meeting, form, instance):
    try:
        services.publish_minutes(
            meeting, request.user, notify=request.POST.get("notify") == "1", form=form
        )
    except services.MeetingError as exc:
        form.add_error(None, str(exc))
        return _minutes_page(request, meeting, form, instance)
    messages.success(request, "Compte-rendu publié.")
    return redirect(_back(meeting))


@login_required
def history(request, pk):
    """Every change of the meeting and of its minutes: who, when, before and after."""
    meeting = _meeting(request, pk, deleted=True)
    minutes = Minutes.objects.filter(meeting=meeting).first()
    return history_page(
        request, meeting, _back(meeting), hidden=("sequence",), related=[("Compte-rendu", minutes)]
    )


@login_required
@require_POST
def publish_minutes(request, pk):
    """Publish; when the minutes form is posted with it, its text is saved first."""
    meeting = _meeting(request, pk)
    instance = Minutes.objects.filter(meeting=meeting).first()
    if "body" in request.POST or "decisions" in request.POST:
        form = MinutesForm(request.POST, instance=instance)
        if not form.is_valid():
            return _minutes_page(request, meeting, form, instance)
        return _publish(request, meeting, form, instance)
    try:
        services.publish_minutes(meeting, request.user, notify=request.POST.get("notify") == "1")
    except services.MeetingError as exc:
        messages.error(request, str(exc))
        return redirect("meetings_coordination:minutes", pk=meeting.pk)
    messages.success(request, "Compte-rendu publié.")
    return redirect(_back(meeting))


@login_required
def add_next_step(request, pk):
    meeting = _meeting(request, pk)
    form = NextStepForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.add_next_step(meeting, form, request.user)
        messages.success(request, "Suite à donner ajoutée.")
        return redirect("meetings_coordination:minutes", pk=meeting.pk)
    return _form_page(request, form, meeting, "Ajouter une suite à donner")


@login_required
def edit_next_step(request, pk):
    step = get_object_or_404(NextStep.objects.select_related("meeting__series"), pk=pk)
    require(request.user, "meetings.manage", step.meeting)
    form = NextStepForm(request.POST or None, instance=step)
    if request.method == "POST" and form.is_valid():
        services.update_next_step(form, request.user)
        messages.success(request, "Suite à donner mise à jour.")
        return redirect(_back(step.meeting))
    return _form_page(request, form, step.meeting, "Modifier une suite à donner")


# ---------------------------------------------------------------- invitations


@login_required
def invitations(request, pk):
    meeting = _meeting(request, pk)
    form = InvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            sent = services.send_invitations(
                meeting, request.user, form.cleaned_data["extra_emails"]
            )
        except services.MeetingError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                f"Invitations mises en file d'envoi : {len(sent)} destinataire"
                f"{'s' if len(sent) > 1 else ''}.",
            )
            return redirect(_back(meeting))
    shown, hidden = services.recipients_shown_to(meeting, request.user)
    return render(
        request,
        "meetings/coordination/invitations.html",
        {
            "meeting": meeting,
            "form": form,
            "recipients": shown,
            "hidden_recipients": hidden,
            "unsubscribed": len(services.unsubscribed(meeting)),
            "mailings": meeting.mailings.select_related("sent_by")[:20],
        },
    )


# --------------------------------------------------------------------- series


@login_required
def edit_series(request, pk):
    series = get_object_or_404(MeetingSeries, pk=pk)
    require(request.user, "meetings.manage", series)
    form = SeriesForm(request.POST or None, instance=series)
    if request.method == "POST" and form.is_valid():
        try:
            report = services.update_series(form, request.user)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request,
                f"Règle enregistrée. Réunions créées : {report.created}, déplacées : "
                f"{report.moved}, retirées : {report.removed} ; "
                f"{count(len(report.kept), 'réunion')} avec du contenu "
                f"{plural(len(report.kept), 'laissée telle quelle', 'laissées telles quelles')}.",
            )
            return redirect("meetings:series", pk=series.pk)
    return render(
        request,
        "meetings/form.html",
        {
            "form": form,
            "title": f"Modifier la règle : {series.label}",
            "intro": "Les réunions sans contenu suivront la nouvelle règle ; celles qui ont "
            "un ordre du jour, des présences, un compte-rendu, des invitations envoyées ou une "
            "date fixée à la main ne bougent pas.",
            "back": reverse("meetings:series", args=[series.pk]),
        },
    )
