"""What the directory makes searchable: the organisations' public fiches.

Contacts (names, emails, phones) are personal data and never indexed; neither are
the members of an organisation."""

from cdvs.search.registry import Entry, SearchSource, register

from . import vocabulary as voc
from .models import Organisation


def organisation_entry(org: Organisation) -> Entry:
    territories = [org.territory_id, *(t.pk for t in org.territories.all())]
    body = [
        org.get_kind_display(),
        org.description,
        " ".join(p for p in (org.address, org.postcode, org.city) if p),
        *(voc.THEMATIQUE_LABELS.get(c, "") for c in org.thematiques or []),
        *(voc.PUBLIC_LABELS.get(c, "") for c in org.publics or []),
        *(voc.LANGUAGE_LABELS.get(c, "") for c in org.languages or []),
        *(f"Enjeu {e.number} : {e.title}" for e in org.enjeux.all()),
    ]
    return Entry(
        title=org.name,
        body="\n".join(p for p in body if p),
        url=org.get_absolute_url(),
        date=org.last_confirmed_at or org.updated_at,
        visibility="public",
        scope_territory_id=org.territory_id,
        organisation_id=org.pk,
        territory_ids=territories,
        enjeux=[e.number for e in org.enjeux.all()],
    )


register(
    SearchSource(
        kind="organisation",
        label="Organisations",
        queryset=lambda: Organisation.objects.prefetch_related("territories", "enjeux"),
        to_entry=organisation_entry,
    )
)
