"""Bench-scale data, in the bench database only.

`python -m bench.data [--organisations N] [--users N]` (or `ensure()` from a bench)
builds, once, a database at the scale the product must hold:

- the schema (`migrate`) and the real reference data through the product's loaders
  (`load_territories`, `load_contract`, `load_directory`), each skipped with a note while it does not
  exist yet;
- 50 000 organisations whose names start with « [banc d'essai] » and whose key starts
  with `bench-org-`, spread over the loaded communes and QPV;
- 5 000 users (addresses under `banc.cdvs.invalid`, unusable passwords) with one or
  two memberships each;
- one coordinator who can log in (`coordination@banc.cdvs.invalid`), whose password
  is generated once and kept in `<CDVS_VAR_DIR>/bench_credentials.json`.

Everything happens in the database the settings select: SQLite under
`CDVS_VAR_DIR` (`var/bench` by default, so the development database is untouched), or
PostgreSQL when `DATABASE_URL` is given. Running it again only adds what is missing.
"""

import argparse
import json
import os
import secrets
import time

from bench import configure

ORGANISATIONS = 50_000
USERS = 5_000
BATCH = 1_000
LOADERS = ["load_territories", "load_contract", "load_directory"]
ORG_PREFIX = "[banc d'essai]"
ORG_KEY = "bench-org-"
USER_DOMAIN = "banc.cdvs.invalid"
COORDINATOR_EMAIL = f"coordination@{USER_DOMAIN}"
COORDINATOR_ORG_KEY = "bench-spv"

_done: dict | None = None


def database_label() -> str:
    from django.db import connection

    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"SQLite {settings['NAME']}"
    return f"{connection.vendor} {settings.get('HOST') or 'local'}/{settings['NAME']}"


def load_reference_data() -> list[str]:
    """migrate + the loaders that exist; returns the notes printed."""
    from django.core.management import CommandError, call_command, get_commands

    call_command("migrate", interactive=False, verbosity=0)
    notes = []
    commands = get_commands()
    for name in LOADERS:
        if name in commands:
            started = time.perf_counter()
            try:
                call_command(name, verbosity=0)
            except CommandError as exc:
                # a loader refusing its input changes nothing: the bench goes on
                # with what is loaded, and says so
                note = f"{name} : ÉCHEC, données non chargées ({exc})"
                print(f"  note — {note}")
                notes.append(note)
                continue
            print(f"  {name} : chargé en {time.perf_counter() - started:.1f} s")
        else:
            note = f"{name} : commande absente pour l'instant, étape sautée"
            print(f"  note — {note}")
            notes.append(note)
    return notes


def _home_territories():
    from cdvs.territories.models import Kind, Territory

    return list(
        Territory.objects.filter(kind__in=[Kind.COMMUNE, Kind.QPV]).order_by("kind", "code")
    )


def _attach_territories(territories) -> None:
    """Organisations generated before the territories were loaded get one now."""
    from django.db.models.functions import Mod

    from cdvs.directory.models import Organisation

    orphans = Organisation.all_objects.filter(key__startswith=ORG_KEY, territory__isnull=True)
    if not territories or not orphans.exists():
        return
    for i, territory in enumerate(territories):
        ids = orphans.annotate(slot=Mod("id", len(territories))).filter(slot=i).values("id")
        Organisation.all_objects.filter(id__in=ids).update(territory=territory)


def create_organisations(total: int) -> int:
    from cdvs.directory.models import Organisation, OrganisationKind

    territories = _home_territories()
    _attach_territories(territories)
    existing = Organisation.all_objects.filter(key__startswith=ORG_KEY).count()
    if existing >= total:
        return 0
    kinds = list(OrganisationKind)
    description = "Donnée générée pour les bancs d'essai (bench/data.py), sans valeur réelle."
    batch = []
    for i in range(existing, total):
        kind = kinds[i % len(kinds)]
        territory = territories[i % len(territories)] if territories else None
        place = f" — {territory.name}" if territory else ""
        batch.append(
            Organisation(
                key=f"{ORG_KEY}{i:06d}",
                name=f"{ORG_PREFIX} {kind.label} n° {i:06d}{place}",
                kind=kind.value,
                territory=territory,
                description=description,
            )
        )
        if len(batch) >= BATCH:
            Organisation.objects.bulk_create(batch)
            batch = []
    Organisation.objects.bulk_create(batch)
    return total - existing


def create_users(total: int) -> int:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password

    from cdvs.accounts.models import Membership, Role
    from cdvs.directory.models import Organisation

    User = get_user_model()
    existing = User.objects.filter(email__endswith=f"-bench@{USER_DOMAIN}").count()
    if existing >= total:
        return 0
    org_ids = list(
        Organisation.all_objects.filter(key__startswith=ORG_KEY)
        .order_by("key")
        .values_list("id", flat=True)
    )
    unusable = make_password(None)  # nobody logs in with these accounts
    roles = [Role.MEMBER, Role.CARRIER, Role.MEMBER, Role.CARRIER, Role.COORDINATOR]
    for start in range(existing, total, BATCH):
        stop = min(start + BATCH, total)
        emails = [f"utilisateur-{i:06d}-bench@{USER_DOMAIN}" for i in range(start, stop)]
        User.objects.bulk_create(
            User(
                email=email,
                first_name="Banc",
                last_name=f"Utilisateur {i:06d}",
                password=unusable,
            )
            for i, email in zip(range(start, stop), emails, strict=True)
        )
        ids = dict(User.objects.filter(email__in=emails).values_list("email", "id"))
        memberships = []
        for i, email in zip(range(start, stop), emails, strict=True):
            if not org_ids:
                break
            role = roles[i % len(roles)]
            memberships.append(
                Membership(user_id=ids[email], organisation_id=org_ids[i % len(org_ids)], role=role)
            )
            if i % 2:  # every other user also belongs to a second organisation
                second = org_ids[(i * 7919) % len(org_ids)]
                if second != org_ids[i % len(org_ids)]:
                    memberships.append(
                        Membership(user_id=ids[email], organisation_id=second, role=Role.MEMBER)
                    )
        Membership.objects.bulk_create(memberships)
    return total - existing


def ensure_coordinator() -> dict:
    """The coordinator the page bench logs in with; its password lives in the var dir."""
    from django.conf import settings
    from django.contrib.auth import get_user_model

    from cdvs.accounts.models import Membership, Role
    from cdvs.directory.models import Organisation, OrganisationKind
    from cdvs.territories.models import Kind, Territory

    path = settings.VAR_DIR / "bench_credentials.json"
    credentials = json.loads(path.read_text()) if path.exists() else {}
    User = get_user_model()
    user = User.objects.filter(email=COORDINATOR_EMAIL).first()
    if (
        user is None
        or not credentials.get("password")
        or not user.check_password(credentials["password"])
    ):
        credentials = {"email": COORDINATOR_EMAIL, "password": secrets.token_urlsafe(18)}
        if user is None:
            user = User.objects.create_user(
                COORDINATOR_EMAIL,
                credentials["password"],
                first_name="Coordination",
                last_name="Banc",
            )
        else:
            user.set_password(credentials["password"])
            user.save(update_fields=["password"])
        path.write_text(json.dumps(credentials))
        path.chmod(0o600)
    # coordinators give a second factor: the bench's coordinator has an authenticator
    from django_otp.plugins.otp_totp.models import TOTPDevice  # lazy: bench set-up only

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Banc d'essai", confirmed=True)
    if credentials.get("totp_key") != device.key:
        credentials["totp_key"] = device.key
        path.write_text(json.dumps(credentials))
        path.chmod(0o600)
    territory = (
        Territory.objects.filter(kind=Kind.COMMUNE, name__iexact="Armentières").first()
        or Territory.objects.filter(kind=Kind.EPCI).order_by("id").first()
    )
    org, _ = Organisation.all_objects.get_or_create(
        key=COORDINATOR_ORG_KEY,
        defaults={
            "name": f"{ORG_PREFIX} Service Politique de la Ville",
            "kind": OrganisationKind.CITY_SERVICE,
            "territory": territory,
        },
    )
    if org.territory_id is None and territory is not None:
        org.territory = territory
        org.save(update_fields=["territory"])
    Membership.objects.get_or_create(
        user=user, organisation=org, defaults={"role": Role.COORDINATOR}
    )
    return credentials


def ensure(organisations: int = ORGANISATIONS, users: int = USERS) -> dict:
    """Build (once per process) the bench data; returns a summary."""
    global _done
    if _done is not None:
        return _done
    configure()
    from cdvs.directory.models import Organisation

    print(f"Données de banc d'essai dans {database_label()}")
    started = time.perf_counter()
    notes = load_reference_data()
    created_orgs = create_organisations(organisations)
    created_users = create_users(users)
    credentials = ensure_coordinator()
    _done = {
        "notes": notes,
        "organisations": Organisation.all_objects.count(),
        "created_organisations": created_orgs,
        "created_users": created_users,
        "credentials": credentials,
        "seconds": time.perf_counter() - started,
    }
    print(
        f"  {_done['organisations']} organisations ({created_orgs} créées), "
        f"{created_users} utilisateurs créés, en {_done['seconds']:.1f} s"
    )
    return _done


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description="Génère les données des bancs d'essai.")
    parser.add_argument("--organisations", type=int, default=ORGANISATIONS)
    parser.add_argument("--users", type=int, default=USERS)
    args = parser.parse_args(argv)
    print(f"Dossier : {os.environ.get('CDVS_VAR_DIR') or 'var/bench'}")
    ensure(args.organisations, args.users)


if __name__ == "__main__":
    configure()
    main()
