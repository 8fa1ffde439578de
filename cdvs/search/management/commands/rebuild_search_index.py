from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from cdvs.core.french import count, plural
from cdvs.search import index, registry
from cdvs.search.models import SearchEntry

BATCH = 500


class Command(BaseCommand):
    help = "Reconstruit l'index de recherche depuis les contenus déclarés par chaque application."

    def add_arguments(self, parser):
        parser.add_argument("--kind", action="append", help="Type à reconstruire (répétable).")
        parser.add_argument("--batch", type=int, default=BATCH)

    def handle(self, *args, kind=None, batch=BATCH, verbosity=1, **options):
        known = registry.labels()
        kinds = kind or list(known)
        unknown = [k for k in kinds if k not in known]
        if unknown:
            raise CommandError(
                f"Type inconnu : {', '.join(unknown)}. Types connus : {', '.join(known)}."
            )
        total = 0
        for name in kinds:
            source = registry.source(name)
            pks = list(source.get_queryset().order_by("pk").values_list("pk", flat=True))
            # entries of objects gone from the source (deleted, unpublished…)
            wanted = set(pks)
            stale = [
                pk
                for pk in SearchEntry.objects.filter(kind=name).values_list("object_id", flat=True)
                if pk not in wanted
            ]
            for start in range(0, len(stale), batch):
                index.remove(name, stale[start : start + batch])
            removed = len(stale)
            done = 0
            for start in range(0, len(pks), batch):
                with transaction.atomic():
                    done += index.refresh(source, pks[start : start + batch])
                if verbosity:
                    self.stdout.write(
                        f"  {source.label} : {min(start + batch, len(pks))} / {len(pks)}"
                    )
            total += done
            if verbosity:
                self.stdout.write(
                    f"{source.label} : {count(done, 'entrée indexée', 'entrées indexées')}, "
                    f"{removed} {plural(removed, 'retirée')}."
                )
        if verbosity:
            self.stdout.write(self.style.SUCCESS(f"Index de recherche à jour : {total} entrées."))
