import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Crée un compte administrateur s'il n'y en a aucun (mot de passe aléatoire affiché une fois)."

    def add_arguments(self, parser):
        parser.add_argument("--email", default="admin@localhost")

    def handle(self, *args, email, **options):
        User = get_user_model()
        if User.objects.filter(is_superuser=True).exists():
            self.stdout.write("Un administrateur existe déjà : aucun compte créé.")
            return
        password = secrets.token_urlsafe(12)
        User.objects.create_superuser(email=email, password=password)
        self.stdout.write(
            self.style.SUCCESS(
                "Compte administrateur créé.\n"
                f"  Identifiant : {email}\n"
                f"  Mot de passe : {password}\n"
                "Notez-le maintenant : il ne sera plus affiché."
            )
        )
