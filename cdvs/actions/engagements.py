"""Engagements de droit commun (MEL deliberation 24-C-0073): each partner's commitments,
entered by the coordinators from the annex of the deliberation (the seed lacks it: the
tool preloads none), linked to enjeux, and their dated reviews by the groupe de suivi
de la mobilisation du droit commun (« faire le point sur le niveau de réalisation des
engagements pris »). Every write in one transaction, with its history."""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from cdvs.accounts.permissions import require
from cdvs.core.history import save_with_history

from .models import Engagement, EngagementReview
from .services import _clean  # full_clean, its messages flattened


@transaction.atomic
def save_engagement(engagement: Engagement, values: dict, enjeux, user) -> Engagement:
    """Create or update an engagement (its fields and its enjeux, of its contract)."""
    for name, value in values.items():
        setattr(engagement, name, value)
    engagement.text = (engagement.text or "").strip()
    _clean(engagement)
    require(user, "actions.engagements", engagement)
    foreign = [e for e in enjeux if e.contract_id != engagement.contract_id]
    if foreign:
        raise ValidationError("Choisissez des enjeux du contrat de l'engagement.")
    save_with_history(engagement, user, None)
    engagement.enjeux.set(enjeux)
    return engagement


@transaction.atomic
def review(engagement: Engagement, values: dict, user, today: date | None = None):
    """A review by the groupe de suivi: date (within the contract, not after today),
    state, comment, by `user`; the engagement takes the state of its latest review."""
    require(user, "actions.engagements", engagement)
    today = today or timezone.localdate()
    on = values.get("on")
    contract = engagement.contract
    if on is None:
        raise ValidationError("Indiquez la date de l'examen.")
    if on > today:
        raise ValidationError("La date de l'examen ne peut pas être postérieure à aujourd'hui.")
    if on.year < contract.start_year:
        raise ValidationError(
            f"La date de l'examen ne peut pas précéder le contrat ({contract.start_year})."
        )
    item = EngagementReview(
        engagement=engagement, on=on, state=values.get("state") or "",
        comment=(values.get("comment") or "").strip(),
        by=user if user is not None and user.is_authenticated else None,
    )  # fmt: skip
    _clean(item)
    save_with_history(item, user, "Examen du groupe de suivi")
    latest = engagement.reviews.order_by("-on", "-pk").first()
    engagement.state, engagement.reviewed_on = latest.state, latest.on
    save_with_history(engagement, user, "Examen du groupe de suivi",
                      update_fields=["state", "reviewed_on"])  # fmt: skip
    return item


EXPORT_HEADERS = [
    "Partenaire", "Référence", "Engagement", "Enjeux", "Commune", "État de réalisation",
    "Dernier examen", "Commentaire du dernier examen",
]  # fmt: skip


def export_rows(queryset):
    """One row per engagement (its enjeux and last review: three queries in all)."""
    items = list(queryset.select_related("commune").prefetch_related("enjeux"))
    last = {}
    for r in EngagementReview.objects.filter(engagement__in=[e.pk for e in items]).order_by(
        "on", "pk"
    ):
        last[r.engagement_id] = r
    for e in items:
        latest = last.get(e.pk)
        yield [
            e.partner_label,
            e.reference,
            e.text,
            ", ".join(f"Enjeu {x.number}" for x in sorted(e.enjeux.all(), key=lambda x: x.number)),
            e.commune.name if e.commune_id else "Tout le contrat",
            e.get_state_display(),
            e.reviewed_on,
            latest.comment if latest else "",
        ]
