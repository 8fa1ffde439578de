"""Content that carries a visibility (public, partenaires, coordination): one field, one
queryset filter, one check, whatever the app. Who sees which level is decided in
`cdvs.accounts.permissions` (`visible_levels`).

A new model inherits `Visible` and its managers use a `VisibleQuerySet`; then
``Model.objects.visible_to(user)`` for a list, ``obj.is_visible_to(user)`` for one
object, `gate_visible` in a page. A model declared before this mechanism redeclares
``visibility = visibility_field(...)`` where the column stood, so that forms, the admin
and the history keep their order.
"""

from django.db import models
from django.db.models import Q

from .permissions import Visibility, can_view, visible_levels


def visibility_field(default=Visibility.PARTNERS):
    """The ``visibility`` column (pass ``default=models.NOT_PROVIDED`` for none)."""
    return models.CharField(
        "visibilité", max_length=20, choices=Visibility.choices, default=default
    )


def visible_q(user, path: str = "visibility") -> Q:
    """The condition « `user` may read it » on the visibility at `path` (e.g.
    ``meeting__visibility`` from a related model, or inside a wider condition)."""
    return Q(**{f"{path}__in": visible_levels(user)})


class VisibleQuerySet(models.QuerySet):
    def visible_to(self, user):
        """What `user` may read, by visibility (one query, no per-row check)."""
        return self.filter(visible_q(user))


class Visible(models.Model):
    """A model whose rows carry a visibility."""

    visibility = visibility_field()

    class Meta:
        abstract = True

    def is_visible_to(self, user) -> bool:
        return can_view(user, self.visibility)
