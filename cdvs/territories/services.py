"""Writes to territories go through these functions."""

from django.db import transaction

from .models import Kind, Territory


@transaction.atomic
def ensure_pac(key: str, name: str, commune_insee: str) -> Territory:
    """Create the périmètre d'attention complémentaire `key` attached to its commune, or
    update its name and commune; its perimeter is left untouched."""
    commune = Territory.objects.get(kind=Kind.COMMUNE, code=commune_insee)
    pac = Territory.all_objects.filter(kind=Kind.PAC, code=key).first()
    if pac is None:
        return Territory.objects.create(kind=Kind.PAC, code=key, name=name, parent=commune)
    if (pac.name, pac.parent_id) != (name, commune.pk):
        pac.name, pac.parent = name, commune
        pac.save()
    return pac
