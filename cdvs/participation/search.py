"""What the participation makes searchable: the campaigns of the budget participatif,
the ideas once public (recevable, soumise au vote, lauréate, réalisée: what their
public page shows) and the conseils de quartier. Never a depositor's e-mail, nor the
declared residence of the carriers, nor an idea still waiting for moderation."""

from django.urls import reverse

from cdvs.core.french import date_text
from cdvs.meetings.models import MeetingSeries
from cdvs.search.registry import Entry, SearchSource, register

from .models import Campaign, Council, Idea


def campaign_entry(campaign: Campaign) -> Entry:
    phases = [
        f"{label} : {date_text(start)}" + (f" – {date_text(end)}" if end else "")
        for label, start, end in campaign.phases()
    ]
    body = ["Budget participatif", campaign.territory.name, campaign.description, *phases]
    return Entry(
        title=campaign.name,
        body="\n".join(p for p in body if p),
        url=campaign.get_absolute_url(),
        date=campaign.deposit_opens_on,
        scope_territory_id=campaign.territory_id,
        territory_ids=[campaign.territory_id],
    )


def idea_entry(idea: Idea) -> Entry | None:
    if not idea.is_public:
        return None  # waiting for confirmation or moderation, or non recevable
    body = [
        idea.text,
        idea.address,
        f"Idée du budget participatif, {idea.get_status_display().lower()}",
        idea.get_area_display(),
        f"Déposée avec l'aide de {idea.helped_by.name}" if idea.helped_by_id else "",
    ]
    return Entry(
        title=idea.title,
        body="\n".join(p for p in body if p),
        url=idea.get_absolute_url(),
        date=idea.created_at.date() if idea.created_at else None,
        scope_territory_id=idea.campaign.territory_id,
        organisation_id=idea.helped_by_id,
        territory_ids=[idea.campaign.territory_id, *(t.pk for t in idea.territories.all())],
    )


def council_entry(council: Council) -> Entry:
    """A council's page is its instance in the agenda (with that instance's
    visibility); without one, only the coordinators find it, on its edit page."""
    series = council.series
    body = [f"Conseil de quartier de {council.commune.name}"]
    if series is not None:
        body.append(f"Instance de l'agenda : {series.name}")
        url, visibility = reverse("meetings:series", args=[series.pk]), series.visibility
    else:
        url = reverse("participation_coordination:edit_council", args=[council.pk])
        visibility = "coordination"
    return Entry(
        title=council.name,
        body="\n".join(body),
        url=url,
        visibility=visibility,
        scope_territory_id=council.commune_id,
        territory_ids=[council.commune_id],
    )


register(
    SearchSource(
        kind="budget-participatif",
        label="Budget participatif",
        queryset=lambda: Campaign.objects.select_related("territory").defer("territory__geometry"),
        to_entry=campaign_entry,
    )
)
register(
    SearchSource(
        kind="idee",
        label="Idées des habitants",
        queryset=lambda: (
            Idea.objects.select_related("campaign", "helped_by")
            .defer("email")
            .prefetch_related("territories")
        ),
        to_entry=idea_entry,
    )
)
register(
    SearchSource(
        kind="conseil-de-quartier",
        label="Conseils de quartier",
        queryset=lambda: Council.objects.select_related("commune", "series").defer(
            "commune__geometry", "geometry"
        ),
        to_entry=council_entry,
        triggers={MeetingSeries: lambda series: Council.objects.filter(series=series)},
    )
)
