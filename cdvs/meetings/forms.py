from datetime import datetime, timedelta

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from cdvs.contract.models import ActionLead, Enjeu
from cdvs.core.french import MONTHS, date_text
from cdvs.core.markup import html_tags
from cdvs.core.widgets import FastSelect
from cdvs.library.models import Document

from .models import (
    PARIS,
    AgendaItem,
    Attendance,
    AttendanceStatus,
    Meeting,
    MeetingSeries,
    Minutes,
    NextStep,
)
from .recurrence import Rule, RuleError
from .services import parse_emails


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, **kwargs):
        super().__init__(format="%H:%M", **kwargs)


def _enjeu_field(required=False):
    return forms.ModelChoiceField(
        Enjeu.objects.order_by("number"), required=required, label="Enjeu lié"
    )


class ActionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, lead):
        kind = "piste" if lead.kind == "piste" else "action existante"
        text = lead.text if len(lead.text) <= 110 else lead.text[:109].rstrip() + "…"
        return f"Enjeu {lead.objective.enjeu.number} · {kind} · {text}"


def _action_field(label="Piste ou action du contrat liée"):
    return ActionChoiceField(
        ActionLead.objects.select_related("objective__enjeu").order_by(
            "objective__enjeu__number", "objective__position", "kind", "position", "pk"
        ),
        required=False,
        label=label,
        widget=FastSelect,
    )


RECENT_DOCUMENTS = 300


def _document_field(user, current_id=None):
    """The documents `user` may read, the most recent first: a select stays short
    whatever the library holds; the one already linked is always offered."""
    readable = Document.objects.visible_to(user)
    field = forms.ModelChoiceField(
        readable,
        required=False,
        label="Document de la bibliothèque lié",
        help_text=f"Parmi les {RECENT_DOCUMENTS} documents les plus récents que vous pouvez "
        "lire ; pour un autre document, indiquez son adresse ci-dessous.",
        widget=FastSelect,
    )

    def choices():
        rows = list(
            readable.order_by("-created_at", "-pk").values_list("pk", "title")[:RECENT_DOCUMENTS]
        )
        if current_id and current_id not in {pk for pk, _ in rows}:
            rows += list(readable.filter(pk=current_id).values_list("pk", "title"))
        return [("", "---------"), *rows]

    field.widget.choices = choices
    return field


PAST_LABEL = "Confirmer cette date passée"


class ConfirmPastDate:
    """A date in the past is saved only once confirmed: the form answers with a
    warning and the « Confirmer cette date passée » box; nothing is saved until it is
    ticked. A date left as it was needs no confirmation."""

    past_date_field = "day"

    def _add_confirm_field(self):
        if not self.is_bound:
            return  # shown with the warning, when a date in the past is sent
        self.fields["confirm_past"] = forms.BooleanField(
            label=PAST_LABEL,
            required=False,
            help_text="À cocher seulement pour enregistrer une date déjà passée "
            "(par exemple une réunion saisie après coup).",
        )

    def _check_past(self, data, current):
        value = data.get(self.past_date_field)
        if value is None or value == current or value >= timezone.localdate():
            return
        if not data.get("confirm_past"):
            self.add_error(
                self.past_date_field,
                f"Cette date est passée (aujourd'hui : {date_text(timezone.localdate())}). "
                f"Vérifiez-la, ou cochez « {PAST_LABEL} » : rien n'a été enregistré.",
            )


class MeetingForm(ConfirmPastDate, forms.Form):
    """Date, hours and place of one meeting; end before start is refused."""

    day = forms.DateField(label="Date", widget=DateInput(), required=False)
    start_time = forms.TimeField(label="Heure de début", widget=TimeInput(), required=False)
    end_time = forms.TimeField(label="Heure de fin", widget=TimeInput(), required=False)
    place = forms.CharField(label="Lieu", max_length=255, required=False)
    video_url = forms.URLField(label="Lien de visio", required=False, assume_scheme="https")
    enjeu = forms.ModelChoiceField(
        Enjeu.objects.order_by("number"), required=False, label="Enjeu travaillé (temps 3)"
    )
    action = _action_field(label="Action suivie (Copil de suivi d'une action)")
    notify = forms.BooleanField(
        label="Prévenir les personnes déjà invitées (mise à jour de leur agenda)",
        required=False,
        initial=True,
    )

    def __init__(self, *args, meeting: Meeting, **kwargs):
        self.meeting = meeting
        start, end = meeting.local_start(), meeting.local_end()
        kwargs.setdefault(
            "initial",
            {
                "day": meeting.day,
                "start_time": start.time() if start else None,
                "end_time": end.time() if end else None,
                "place": meeting.place,
                "video_url": meeting.video_url,
                "enjeu": meeting.enjeu_id,
                "action": meeting.action_id,
                "notify": True,
            },
        )
        super().__init__(*args, **kwargs)
        self._add_confirm_field()
        self.order_fields(["day", "confirm_past"])
        if meeting.date_to_set:
            self.fields[
                "day"
            ].help_text = f"À fixer : le contrat prévoit cette réunion en {meeting.window_label}."

    def clean(self):
        data = super().clean()
        day, start, end = data.get("day"), data.get("start_time"), data.get("end_time")
        if self.errors:
            return data
        if day is None and (start or end):
            raise ValidationError("Indiquez la date avant les heures.")
        if day is None and self.meeting.day is not None:
            self.add_error("day", "Une réunion datée ne peut pas redevenir « à planifier ».")
        if end and not start:
            self.add_error("start_time", "Indiquez l'heure de début.")
        if start and end and end <= start:
            self.add_error("end_time", "L'heure de fin doit être après l'heure de début.")
        self._check_past(data, self.meeting.day)
        return data

    def changes(self) -> dict:
        data = self.cleaned_data
        day, start_time, end_time = data["day"], data["start_time"], data["end_time"]
        start = end = None
        if day and start_time:
            start = datetime.combine(day, start_time, tzinfo=PARIS)
            if end_time:
                end = datetime.combine(day, end_time, tzinfo=PARIS)
            elif self.meeting.series and self.meeting.series.duration_minutes:
                end = start + timedelta(minutes=self.meeting.series.duration_minutes)
        return {
            "day": day,
            "start": start,
            "end": end,
            "place": data["place"].strip(),
            "video_url": data["video_url"],
            "enjeu": data["enjeu"],
            "action": data["action"],
        }


class NewMeetingForm(ConfirmPastDate, forms.ModelForm):
    """A meeting on its own, or an extra one in a series (e.g. a second conseil)."""

    start_time = forms.TimeField(label="Heure de début", widget=TimeInput(), required=False)
    end_time = forms.TimeField(label="Heure de fin", widget=TimeInput(), required=False)
    action = _action_field(label="Action suivie (Copil de suivi d'une action)")

    class Meta:
        model = Meeting
        fields = ["series", "title", "day", "place", "format", "visibility", "action"]
        widgets = {"day": DateInput()}

    def __init__(self, *args, series_queryset=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["day"].required = True
        self._add_confirm_field()
        if series_queryset is not None:
            self.fields["series"].queryset = series_queryset

    def clean(self):
        data = super().clean()
        start, end = data.get("start_time"), data.get("end_time")
        if end and not start:
            self.add_error("start_time", "Indiquez l'heure de début.")
        if start and end and end <= start:
            self.add_error("end_time", "L'heure de fin doit être après l'heure de début.")
        self._check_past(data, None)
        return data

    def save(self, commit=True):
        meeting = super().save(commit=False)
        day, start, end = (
            meeting.day,
            self.cleaned_data["start_time"],
            self.cleaned_data["end_time"],
        )
        if start:
            meeting.start = datetime.combine(day, start, tzinfo=PARIS)
            if end:
                meeting.end = datetime.combine(day, end, tzinfo=PARIS)
        if commit:
            meeting.save()
        return meeting


class CancelForm(forms.Form):
    reason = forms.CharField(
        label="Motif de l'annulation", widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    notify = forms.BooleanField(
        label="Prévenir les personnes invitées", required=False, initial=True
    )


class AgendaItemForm(forms.ModelForm):
    enjeu = _enjeu_field()
    action = _action_field()
    document_url = forms.URLField(
        label="Document lié (adresse)", required=False, assume_scheme="https"
    )

    class Meta:
        model = AgendaItem
        fields = [
            "temps",
            "title",
            "description",
            "duration_minutes",
            "presenter",
            "enjeu",
            "action",
            "document",
            "document_url",
            "confidential",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, meeting: Meeting, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["document"] = _document_field(user, self.instance.document_id)
        series = meeting.series
        if not (series and series.agenda_template) or self.instance.heading:
            # a heading opens its temps and stays there
            del self.fields["temps"]
        else:
            self.fields["temps"].required = True
            self.fields["temps"].help_text = "Le point s'ajoute à la fin de son temps."
        if not (series and series.feeds_into_id):
            del self.fields["confidential"]


class ProposalForm(forms.ModelForm):
    """What a partner may propose for the agenda."""

    enjeu = _enjeu_field()

    class Meta:
        model = AgendaItem
        fields = ["temps", "title", "description", "duration_minutes", "presenter", "enjeu"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, meeting: Meeting, **kwargs):
        super().__init__(*args, **kwargs)
        if not (meeting.series and meeting.series.agenda_template):
            del self.fields["temps"]


class AttendeeForm(forms.ModelForm):
    class Meta:
        model = Attendance
        fields = ["organisation", "name", "email", "status", "represented_by"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = self.fields["organisation"].queryset.order_by("name")

    def clean(self):
        data = super().clean()
        if not (data.get("organisation") or data.get("name") or data.get("email")):
            raise ValidationError("Indiquez au moins une organisation, un nom ou une adresse.")
        if (
            data.get("status") == AttendanceStatus.REPRESENTED
            and not (data.get("represented_by") or "").strip()
        ):
            self.add_error("represented_by", "Indiquez qui représente cette personne.")
        return data


class AttendanceStatusForm(forms.ModelForm):
    class Meta:
        model = Attendance
        fields = ["status", "represented_by"]

    def clean(self):
        data = super().clean()
        if (
            data.get("status") == AttendanceStatus.REPRESENTED
            and not (data.get("represented_by") or "").strip()
        ):
            self.add_error("represented_by", "Indiquez qui représente cette personne.")
        return data


AttendanceFormSet = forms.modelformset_factory(
    Attendance, form=AttendanceStatusForm, extra=0, edit_only=True
)


class MinutesForm(forms.ModelForm):
    class Meta:
        model = Minutes
        fields = ["body", "decisions"]
        widgets = {
            "body": forms.Textarea(attrs={"rows": 16}),
            "decisions": forms.Textarea(attrs={"rows": 6}),
        }
        help_texts = {
            "body": "Écrivez en Markdown : ## Titre, **gras**, *italique*, listes avec « - ».",
            "decisions": "Une décision par ligne, en commençant par « - ».",
        }

    def _no_html(self, name):
        value = self.cleaned_data.get(name, "")
        tags = html_tags(value)
        if tags:
            shown = ", ".join(f"« {t[:40]} »" for t in tags[:3])
            raise ValidationError(
                f"Le texte contient du code HTML ({shown}), qui n'est pas accepté. Utilisez "
                "la mise en forme Markdown (## titre, **gras**, - liste). Votre texte est "
                "conservé ci-dessous ; rien n'a été enregistré."
            )
        return value

    def clean_body(self):
        return self._no_html("body")

    def clean_decisions(self):
        return self._no_html("decisions")


class NextStepForm(ConfirmPastDate, forms.ModelForm):
    enjeu = _enjeu_field()
    action = _action_field()
    past_date_field = "due_date"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._current_due = self.instance.due_date
        self._add_confirm_field()
        if "confirm_past" in self.fields:
            names = [n for n in self.fields if n != "confirm_past"]
            names.insert(names.index("due_date") + 1, "confirm_past")
            self.order_fields(names)

    def clean(self):
        data = super().clean()
        self._check_past(data, self._current_due)
        return data

    class Meta:
        model = NextStep
        fields = [
            "what",
            "who",
            "who_organisation",
            "due_date",
            "enjeu",
            "action",
            "action_label",
            "status",
        ]
        widgets = {"what": forms.Textarea(attrs={"rows": 2}), "due_date": DateInput()}
        help_texts = {"action_label": "Une action hors du contrat (droit commun, projet…)."}


class InvitationForm(forms.Form):
    extra_emails = forms.CharField(
        label="Autres adresses à inviter",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=(
            "Par exemple des habitants invités sur l'enjeu travaillé : une adresse par ligne, "
            "ou séparées par des virgules."
        ),
    )

    def clean_extra_emails(self):
        return parse_emails(self.cleaned_data["extra_emails"])


class SeriesForm(forms.ModelForm):
    """The rule of an instance; an impossible rule is refused with its reasons."""

    class Meta:
        model = MeetingSeries
        fields = [
            "name",
            "short_name",
            "description",
            "organiser",
            "participants",
            "visibility",
            "format",
            "duration_minutes",
            "period",
            "months",
            "weekday",
            "nth",
            "working_day",
            "start_time",
            "place",
            "rotating_place",
            "period_start",
            "period_end",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 4}),
            "start_time": TimeInput(),
            "period_start": DateInput(),
            "period_end": DateInput(),
            "participants": forms.CheckboxSelectMultiple(),
        }

    months = forms.TypedMultipleChoiceField(
        label="Mois",
        required=False,
        coerce=int,
        choices=[(i, m.capitalize()) for i, m in enumerate(MONTHS, start=1)],
        widget=forms.CheckboxSelectMultiple(),
    )

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        rule = Rule(
            period=data.get("period"),
            period_start=data.get("period_start"),
            period_end=data.get("period_end"),
            months=data.get("months") or [],
            weekday=data.get("weekday"),
            nth=data.get("nth"),
            working_day=data.get("working_day", False),
            start_time=data.get("start_time"),
            duration_minutes=data.get("duration_minutes"),
        )
        try:
            rule.check()
        except RuleError as exc:
            raise ValidationError(exc.messages) from exc
        return data


def today():
    return timezone.localdate()
