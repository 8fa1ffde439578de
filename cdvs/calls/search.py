"""What the calls for projects make searchable: every live call (title, funder,
description, publics, thématiques, carriers), for the readers its visibility allows.
A call holds no personal data."""

from django.utils.html import strip_tags

from cdvs.core.markup import render_markdown
from cdvs.search.registry import Entry, SearchSource, register

from .models import CallForProjects


def call_entry(call: CallForProjects) -> Entry:
    body = [
        call.funder_name,
        call.get_nature_display(),
        strip_tags(render_markdown(call.description)),
        ", ".join(call.public_labels),
        ", ".join(call.thematique_labels),
        ", ".join(call.carrier_labels),
        *(f"Enjeu {e.number} : {e.title}" for e in call.enjeux.all()),
    ]
    return Entry(
        title=call.title,
        body="\n".join(p for p in body if p),
        url=call.get_absolute_url(),
        date=call.closes_on or call.opens_on,
        visibility=call.visibility,
        scope_territory_id=call.commune_id,
        organisation_id=call.funder_id,
        territory_ids=[t.pk for t in call.territories.all()],
        enjeux=[e.number for e in call.enjeux.all()],
    )


register(
    SearchSource(
        kind="appel",
        label="Appels à projets",
        queryset=lambda: CallForProjects.objects.prefetch_related("enjeux", "territories"),
        to_entry=call_entry,
    )
)
