"""Content that carries a visibility (public, partenaires, coordination): one field, one
queryset filter, one check, whatever the app. Who may read what is decided in
`cdvs.accounts.permissions` (`can_read`, `filter_readable`, `readable_condition`):
public and partenaires content by role, coordination content only for the coordinators
whose territory covers it (the model's ``scope_territory_path``) and the administrators.

A new model inherits `Visible` and its managers use a `VisibleQuerySet`; then
``Model.objects.visible_to(user)`` for a list, ``obj.is_visible_to(user)`` for one
object, `gate_visible` in a page, ``readable_condition(user, Model, through="rel")``
inside a wider condition or across a relation. A model declared before this mechanism redeclares
``visibility = visibility_field(...)`` where the column stood, so that forms, the admin
and the history keep their order.
"""

from django.db import models

from .permissions import Visibility, can_read, filter_readable


def visibility_field(default=Visibility.PARTNERS):
    """The ``visibility`` column (pass ``default=models.NOT_PROVIDED`` for none)."""
    return models.CharField(
        "visibilité", max_length=20, choices=Visibility.choices, default=default
    )


class VisibleQuerySet(models.QuerySet):
    def visible_to(self, user):
        """What `user` may read (one query, no per-row check)."""
        return filter_readable(user, self)


class Visible(models.Model):
    """A model whose rows carry a visibility."""

    visibility = visibility_field()

    class Meta:
        abstract = True

    def is_visible_to(self, user) -> bool:
        return can_read(user, self)
