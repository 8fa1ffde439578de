"""Published minutes appear among the documents of the library: these receivers follow
the saves of minutes and meetings (minutes published or edited, a meeting renamed, made
more confidential, put in the trash or restored) and hand them to the library's
`sync_minutes_document`. The library knows nothing of the meetings."""

from django.db.models.signals import post_save
from django.dispatch import receiver

from cdvs.library.models import Document
from cdvs.library.services import sync_minutes_document

from .models import Meeting, Minutes


@receiver(post_save, sender=Minutes, dispatch_uid="library_minutes_document")
def minutes_saved(sender, instance, raw=False, **kwargs):
    if raw:
        return
    meeting = Meeting.all_objects.select_related("series__commune", "series__organiser").get(
        pk=instance.meeting_id
    )
    sync_minutes_document(meeting, instance)


@receiver(post_save, sender=Meeting, dispatch_uid="library_meeting_document")
def meeting_saved(sender, instance, raw=False, created=False, **kwargs):
    if raw or created:
        return
    if not Document.all_objects.filter(meeting_id=instance.pk).exists():
        return
    minutes = Minutes.objects.filter(meeting_id=instance.pk).first()
    sync_minutes_document(instance, minutes)
