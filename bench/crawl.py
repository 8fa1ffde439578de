"""Before/after crawl: every page of the project as each role, written to files.

    python bench/crawl.py --out DIR [--project CHECKOUT]   # take a snapshot
    python bench/crawl.py --compare BEFORE AFTER            # diff two snapshots

A snapshot is taken on a fresh SQLite database in a temporary folder (CDVS_ENV=test,
tasks run inline, e-mails kept in memory, no network), loaded as `make setup` does
(migrate, load_territories, load_contract, load_directory, load_meetings), with one
person per role and the clock frozen at FROZEN_AT. Then every URL without parameters
of the resolver, plus the first objects of the pages with a key (PARAMETERS) and
filtered lists (QUERIES), is
fetched with GET by Django's test client as each role. Each answer is written to
`DIR/<role>/<url>.txt`: status, content type, redirect target and body, with what
changes from one run to the next masked (CSRF tokens, CSP nonces, session keys,
dates inside office files). `DIR/index.tsv` lists every (role, URL, status).

`--project` is the checkout whose code is imported (default: this one), so the same
script snapshots another worktree, e.g. the base commit:

    .venv/bin/python bench/crawl.py --project /work/wt/base --out /work/crawl/before

`--compare` prints the (role, URL) pairs that differ with a short diff and exits
with 1 when any differ.
"""

import argparse
import difflib
import hashlib
import io
import os
import re
import shutil
import sys
import tempfile
import zipfile
from pathlib import Path

FROZEN_AT = "2025-01-15 10:00:00+01:00"  # a Wednesday, 10:00 in Paris
SECRET_KEY = "crawl-secret-key-not-secret-" + "x" * 40  # noqa: S105 (fixed: tokens stay equal)
# how many objects of each parametrised page are fetched
FIRST = 3
# URL name -> (model label, keyword built from each object); objects by ascending pk.
# A label the project does not have (a model moved) is skipped with a note.
PARAMETERS = {
    "directory:detail": ("directory.Organisation", lambda o: {"pk": o.pk}),
    "directory:edit": ("directory.Organisation", lambda o: {"pk": o.pk}),
    "directory:members": ("directory.Organisation", lambda o: {"pk": o.pk}),
    "meetings:organisation": ("directory.Organisation", lambda o: {"pk": o.pk}),
    "contract:enjeu": ("contract.Enjeu", lambda o: {"pk": o.pk}),
    "meetings:series": ("meetings.MeetingSeries", lambda o: {"pk": o.pk}),
    "meetings:detail": ("meetings.Meeting", lambda o: {"pk": o.pk}),
    "meetings_coordination:edit": ("meetings.Meeting", lambda o: {"pk": o.pk}),
    "meetings_coordination:minutes": ("meetings.Meeting", lambda o: {"pk": o.pk}),
    "meetings_coordination:edit_series": ("meetings.MeetingSeries", lambda o: {"pk": o.pk}),
    "meetings:public_series_feed": ("meetings.MeetingSeries", lambda o: {"pk": o.pk}),
    "calls:detail": ("calls.CallForProjects", lambda o: {"pk": o.pk}),
    "library:detail": ("library.Document", lambda o: {"pk": o.pk}),
    "news:detail": ("library.News", lambda o: {"pk": o.pk}),
    "territories:detail": ("territories.Territory", lambda o: {"kind": o.kind, "code": o.code}),
    "territories:history": ("territories.Territory", lambda o: {"kind": o.kind, "code": o.code}),
    "api:territory_detail": (
        "territories.Territory",
        lambda o: {"kind": o.kind, "code": o.code},
    ),
    "api:meeting": ("meetings.Meeting", lambda o: {"pk": o.pk}),
    "api:organisation": ("directory.Organisation", lambda o: {"pk": o.pk}),
    "api:organisation_places": ("directory.Organisation", lambda o: {"pk": o.pk}),
    "api:organisation_services": ("directory.Organisation", lambda o: {"pk": o.pk}),
}
# pages whose parameter is a word from a fixed list
WORDS = {
    "directory:export": {"fmt": ["csv", "xlsx", "ods"]},
    "directory_coordination:stale_export": {"fmt": ["csv", "xlsx", "ods"]},
    "calls:export": {"fmt": ["csv", "xlsx", "ods"]},
    "library_coordination:export": {"fmt": ["csv", "xlsx", "ods"]},
    "directory:data_inclusion": {"what": ["structures", "services"]},
    "api:geojson_layer": {"kind": ["commune", "qpv"]},
    "core:upcoming": {"area": ["armentieres"]},
}

# the back-office namespaces were « <app>_admin » before they were « <app>_coordination »:
# both names, so that the crawl runs against any commit
for _table in (PARAMETERS, WORDS):
    for _name in [n for n in _table if "_coordination:" in n]:
        _table[_name.replace("_coordination:", "_admin:")] = _table[_name]

# filtered lists: the query strings of the base commit's filters; {name} is a key of
# _placeholders() (the pk of a seed object)
QUERIES = {
    "/organisations/": [
        "q=centre", "q=zzzz", "kind=association", "kind=inconnu", "territory={armentieres}",
        "territory={qpv}&proximity=500", "enjeu={enjeu}", "age=16", "page=2", "imprimer=1",
        "q=social&kind=centre_social&page=1",
    ],
    "/organisations/carte/marqueurs.geojson": [
        "kind=association", "bbox=2.8,50.6,2.95,50.75", "limit=5", "territory={armentieres}",
    ],
    "/appels-a-projets/": [
        "q=emploi", "statut=tous", "statut=clos", "enjeu={enjeu}", "territoire={armentieres}",
        "nature=inconnue", "page=2",
    ],
    "/documents/": [
        "q=diagnostic", "type=pdf", "enjeu={enjeu}", "territoire={armentieres}",
        "instance={series}",
    ],
    "/agenda/": ["passees=1", "instance={series}", "organisation={organisation}", "page=2"],
    "/agenda/suites-a-donner/": ["statut=toutes", "instance={series}"],
    "/recherche/": [
        "q=emploi", "q=centre+social", "q=emploi&type=organisation", "q=emploi&enjeu={enjeu}",
        "q=emploi&territoire={armentieres}", "q=r%C3%A9union&du=2025-01-01&au=2025-06-30",
        "q=emploi&page=2",
    ],
    "/api/recherche": ["q=emploi"],
}  # fmt: skip

MASKS = [
    (re.compile(rb'(name="csrfmiddlewaretoken" value=")[^"]+'), rb"\1<csrf>"),
    (re.compile(rb'(name="csrf-token" content=")[^"]+'), rb"\1<csrf>"),
    (re.compile(rb'(csrftoken["\']?\s*[:=]\s*["\'])[^"\']+'), rb"\1<csrf>"),
    (re.compile(rb'(nonce=")[^"]+'), rb"\1<nonce>"),
    (re.compile(rb"('nonce-)[^']+"), rb"\1<nonce>"),
    (re.compile(rb"(sessionid=)[a-z0-9]+"), rb"\1<session>"),
    # drawn at random when an object is made (meeting uid, invitation token)
    (
        re.compile(rb"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"),
        b"<uuid>",
    ),
    (
        re.compile(rb"(?<![\w-])(?=[\w-]{0,42}[A-Z])(?=[\w-]{0,42}[0-9])[\w-]{43}(?![\w-])"),
        b"<token>",
    ),
]
# dates an office file writes about itself (creation and modification of the file)
OFFICE_DATES = re.compile(
    rb"(<(?:dcterms:created|dcterms:modified|meta:creation-date|dc:date)[^>]*>)[^<]*"
)


def _walk(resolver, prefix="", namespaces=()):
    from django.urls import URLPattern, URLResolver

    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            ns = namespaces + ((pattern.namespace,) if pattern.namespace else ())
            yield from _walk(pattern, prefix + str(pattern.pattern), ns)
        elif isinstance(pattern, URLPattern):
            name = ":".join(namespaces + (pattern.name,)) if pattern.name else None
            route = prefix + str(pattern.pattern)
            yield name, route, pattern.pattern.regex.groups > 0 or "<" in route


def _product(choices: dict) -> list[dict]:
    combos = [{}]
    for key, values in choices.items():
        combos = [{**c, key: v} for c in combos for v in values]
    return combos


def urls() -> tuple[list[str], list[str]]:
    """The URLs to fetch, and notes on what was skipped."""
    from django.apps import apps
    from django.urls import get_resolver, reverse

    found, notes = [], []
    seen_names = set()
    for name, route, has_params in _walk(get_resolver()):
        if not has_params:
            path = "/" + route.replace("^", "").replace("$", "").replace("\\", "")
            found.append(path)
            continue
        if name in seen_names:
            continue
        seen_names.add(name)
        if name in WORDS:
            found += [reverse(name, kwargs=kw) for kw in _product(WORDS[name])]
        elif name in PARAMETERS:
            label, build = PARAMETERS[name]
            try:
                model = apps.get_model(label)
            except LookupError:
                notes.append(f"{name}: modèle {label} absent, page sautée")
                continue
            manager = getattr(model, "all_objects", model._default_manager)
            for obj in manager.order_by("pk")[:FIRST]:
                found.append(reverse(name, kwargs=build(obj)))
    values = _placeholders()
    for path, queries in QUERIES.items():
        found += [f"{path}?{query.format(**values)}" for query in queries]
    return sorted(set(found)), notes


def _placeholders() -> dict:
    from django.apps import apps

    def first(label, **lookups):
        obj = apps.get_model(label)._default_manager.filter(**lookups).order_by("pk").first()
        return obj.pk if obj else 0

    return {
        "armentieres": first("territories.Territory", kind="commune", code="59017"),
        "qpv": first("territories.Territory", kind="qpv", parent__code="59017"),
        "enjeu": first("contract.Enjeu"),
        "series": first("meetings.MeetingSeries"),
        "organisation": first("directory.Organisation"),
    }


def people() -> dict:
    """One person per role (the roles of the tests' World, in the same order) on the
    seed data; a coordinator of Lille (its service is created, the seed data has
    none)."""
    from cdvs.accounts.models import Membership, User
    from cdvs.directory.models import Organisation
    from cdvs.territories.models import Territory

    armentieres = Territory.objects.get(kind="commune", code="59017")
    lille = Territory.objects.get(kind="commune", code="59350")
    orgs = Organisation.objects.order_by("pk")
    city = orgs.filter(kind="service_ville", territory=armentieres).first() or orgs.first()
    partner = orgs.exclude(pk=city.pk).first()
    city_lille = Organisation.objects.create(
        name="Service Politique de la Ville de Lille", kind="service_ville", territory=lille
    )

    def person(email, organisation=None, role=None, **extra):
        user = User.objects.create_user(email=email, password=None, **extra)
        if role:
            Membership.objects.create(user=user, organisation=organisation, role=role)
        return user

    return {
        "anonyme": None,
        "sans_role": person("sans.role@example.org"),
        "porteur": person("porteur@example.org", partner, "porteur"),
        "membre": person("membre@example.org", partner, "membre"),
        "coordinateur": person(
            "coordination@armentieres.example.org",
            city,
            "coordinateur",
            first_name="Camille",
            last_name="Coordinatrice",
        ),  # fmt: skip
        "coordinateur_lille": person("coordination@lille.example.org", city_lille, "coordinateur"),
        "administrateur": User.objects.create_superuser(email="admin@example.org", password=None),
    }


def normalise(body: bytes) -> bytes:
    if body[:4] == b"PK\x03\x04":
        return _unzip(body)
    for pattern, replacement in MASKS:
        body = pattern.sub(replacement, body)
    return body


def _unzip(body: bytes) -> bytes:
    """An office file (xlsx, ods): its members one after the other, dates of the file
    itself masked."""
    out = []
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        for info in archive.infolist():
            data = OFFICE_DATES.sub(rb"\1<date>", archive.read(info))
            out.append(b"=== " + info.filename.encode() + b"\n" + data + b"\n")
    return b"".join(out)


def file_name(url: str) -> str:
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", url.strip("/")) or "_root"
    if len(name) > 150:
        name = name[:120] + "-" + hashlib.sha256(url.encode()).hexdigest()[:16]
    return name + ".txt"


def fetch(client, url: str) -> bytes:
    try:
        response = client.get(url)
    except Exception as exc:  # a crashing page is an answer too
        return f"exception: {type(exc).__name__}: {exc}\n".encode()
    head = [f"status: {response.status_code}", f"url: {url}"]
    for header in ("Content-Type", "Location", "Content-Disposition"):
        if response.has_header(header):
            head.append(f"{header.lower()}: {response[header]}")
    if getattr(response, "streaming", False):
        body = b"".join(response.streaming_content)
    else:
        body = response.content
    return "\n".join(head).encode() + b"\n\n" + normalise(body)


def snapshot(out: Path) -> int:
    import time_machine
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import setup_test_environment

    setup_test_environment()
    if (out / "index.tsv").exists():
        shutil.rmtree(out)  # an older snapshot: no stale file may stay
    out.mkdir(parents=True, exist_ok=True)
    with time_machine.travel(FROZEN_AT, tick=False):
        call_command("migrate", interactive=False, verbosity=0)
        for command in ("load_territories", "load_contract", "load_directory", "load_meetings"):
            call_command(command, stdout=io.StringIO())
        users = people()
        found, notes = urls()
        index = []
        for role, user in users.items():
            (out / role).mkdir(exist_ok=True)
            client = Client()
            if user is not None:
                client.force_login(user)
                try:  # a checkout with the second factor: the page, not the code step
                    from cdvs.accounts.sessions import DONE, KEY_TWO_FACTOR  # lazy: per checkout
                except ImportError:
                    pass
                else:
                    session = client.session
                    session[KEY_TWO_FACTOR] = DONE
                    session.save()
            for url in found:
                text = fetch(client, url)
                name = file_name(url)
                assert not (out / role / name).exists(), f"deux adresses pour {name}"
                (out / role / name).write_bytes(text)
                status = text.split(b"\n", 1)[0].decode()
                index.append(f"{role}\t{url}\t{status}")
        (out / "index.tsv").write_text("\n".join(index) + "\n")
    for note in notes:
        print(f"note — {note}")
    print(f"{len(found)} adresses × {len(users)} rôles écrites dans {out}")
    return 0


def compare(before: Path, after: Path, context: int = 3, shown: int = 40) -> int:
    def files(root):
        return {p.relative_to(root) for p in root.rglob("*.txt")}

    a, b = files(before), files(after)
    differing = 0
    for rel in sorted(a | b):
        if rel not in a or rel not in b:
            differing += 1
            print(f"✗ {rel}: {'absent avant' if rel not in a else 'absent après'}")
            continue
        old, new = (before / rel).read_bytes(), (after / rel).read_bytes()
        if old == new:
            continue
        differing += 1
        print(f"✗ {rel}")
        diff = difflib.unified_diff(
            old.decode(errors="replace").splitlines(),
            new.decode(errors="replace").splitlines(),
            "avant",
            "après",
            n=context,
            lineterm="",
        )
        lines = list(diff)
        for line in lines[:shown]:
            print(f"    {line[:200]}")
        if len(lines) > shown:
            print(f"    … {len(lines) - shown} lignes de plus")
    print(f"{len(a | b)} réponses comparées, {differing} différente(s)")
    return 1 if differing else 0


def configure(project: Path, var_dir: Path) -> None:
    os.environ.update(
        CDVS_ENV="test",
        CDVS_VAR_DIR=str(var_dir),
        SECRET_KEY=SECRET_KEY,
        DJANGO_SETTINGS_MODULE="cdvs.settings",
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        TASKS_BACKEND="django_tasks.backends.immediate.ImmediateBackend",
        BENCH_POSTGRES="off",
        LOG_LEVEL="CRITICAL",
    )
    for key in ("DATABASE_URL", "REDIS_URL", "CDVS_DEBUG"):
        os.environ.pop(key, None)
    sys.path.insert(0, str(project))
    import django

    django.setup()
    import cdvs

    imported = Path(cdvs.__file__).resolve().parent.parent
    if imported != project.resolve():
        raise SystemExit(f"cdvs importé depuis {imported}, pas depuis {project}")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, help="dossier de l'instantané")
    parser.add_argument(
        "--project", type=Path, default=Path(__file__).resolve().parent.parent,
        help="checkout dont le code est importé (par défaut : celui de ce script)",
    )  # fmt: skip
    parser.add_argument("--compare", nargs=2, type=Path, metavar=("AVANT", "APRES"))
    args = parser.parse_args(argv)
    if args.compare:
        return compare(*args.compare)
    if not args.out:
        parser.error("--out ou --compare est requis")
    if os.environ.get("PYTHONHASHSEED") != "0":
        # the order of sets of strings must not change from one run to the next
        os.environ["PYTHONHASHSEED"] = "0"
        os.execv(sys.executable, [sys.executable, os.path.abspath(__file__), *argv])
    out, project = args.out.resolve(), args.project.resolve()
    # this script's folder (bench/) is not a package root of the project
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).parent]
    with tempfile.TemporaryDirectory(prefix="cdvs-crawl-") as var_dir:
        os.chdir(project)
        configure(project, Path(var_dir))
        return snapshot(out)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
