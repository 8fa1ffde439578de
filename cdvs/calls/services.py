"""Every write on calls goes through these functions, each in one transaction; the
history (django-simple-history) records who changed what."""

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction

from cdvs.core.history import save_with_history

from .models import CallAttachment, CallForProjects


@transaction.atomic
def create_call(values: dict, enjeux=(), territories=(), user=None, reason=None):
    call = CallForProjects(**values)
    call.full_clean()  # raw values (an import row, a test): the model's rules
    save_with_history(call, user, reason)
    call.enjeux.set(enjeux)
    call.territories.set(territories)
    return call


@transaction.atomic
def update_call(call: CallForProjects, values: dict, enjeux=None, territories=None, user=None):
    for field, value in values.items():
        setattr(call, field, value)
    call.full_clean()
    save_with_history(call, user, None)
    if enjeux is not None:
        call.enjeux.set(enjeux)
    if territories is not None:
        call.territories.set(territories)
    return call


@transaction.atomic
def save_form(form, user):
    """A valid `CallForm` -> the call created or updated (nothing saved on error)."""
    data = dict(form.cleaned_data)
    enjeux = data.pop("enjeux")
    territories = data.pop("territories")
    if form.instance.pk:
        return update_call(form.instance, data, enjeux, territories, user)
    return create_call(data, enjeux, territories, user)


@transaction.atomic
def add_attachment(call, content: bytes, content_type: str, filename: str, user):
    if call.is_deleted:
        raise ValidationError("Cet appel est dans la corbeille.")
    attachment = CallAttachment(
        call=call,
        filename=filename,
        content_type=content_type,
        size=len(content),
        uploaded_by=user if user and user.is_authenticated else None,
    )
    attachment.file.save(filename, ContentFile(content), save=False)
    attachment.save()
    return attachment


@transaction.atomic
def remove_attachment(attachment: CallAttachment, user):
    attachment.soft_delete(user)
