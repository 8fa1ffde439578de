"""How tests and benchmarks are laid out: shared fixtures only in cdvs/conftest.py,
test helpers only in cdvs.testing (never imported by the product), one bench timer,
the crawl's masks."""

import ast
import re
from pathlib import Path

import pytest

CDVS = Path(__file__).resolve().parents[2]
SHARED_FIXTURES = {"world", "login", "immediate_tasks", "frozen", "media"}


def _functions(path):
    return {n.name for n in ast.walk(ast.parse(path.read_text())) if isinstance(n, ast.FunctionDef)}


def _is_test_code(path):
    rel = path.relative_to(CDVS)
    return rel.parts[0] == "testing" or "tests" in rel.parts or path.name == "conftest.py"


def test_shared_fixtures_are_defined_once_in_the_root_conftest():
    assert _functions(CDVS / "conftest.py") >= SHARED_FIXTURES
    twice = {
        str(path.relative_to(CDVS)): sorted(SHARED_FIXTURES & _functions(path))
        for path in CDVS.rglob("conftest.py")
        if path != CDVS / "conftest.py"
    }
    assert not {k: v for k, v in twice.items() if v}, twice


def test_the_list_of_roles_is_written_once():
    written = [
        str(path.relative_to(CDVS))
        for path in CDVS.rglob("*.py")
        if _is_test_code(path) and re.search(r'^ROLES = \[\s*"anonyme"', path.read_text(), re.M)
    ]
    assert written == ["testing/world.py"]


def test_the_product_never_imports_the_test_helpers():
    assert not list(CDVS.glob("*/testing.py")), "helpers of tests belong to cdvs.testing"
    offenders = []
    for path in CDVS.rglob("*.py"):
        if _is_test_code(path) or "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            if any(n == "cdvs.testing" or n.startswith("cdvs.testing.") for n in names):
                offenders.append(str(path.relative_to(CDVS)))
    assert not offenders


def test_the_world_has_one_person_per_role_in_order(db):
    from cdvs.testing import ROLES, ROLES_EXCEPT_LILLE, SEES, World

    world = World.build()
    assert list(world.users) == ROLES == list(SEES)
    assert world.users["anonyme"] is None
    assert [r for r in ROLES if r != "coordinateur_lille"] == ROLES_EXCEPT_LILLE


def test_bench_timer_warms_up_times_checks_and_counts_cpu():
    from bench import timed

    calls, checked, cpu = [], [], []
    times = timed(
        lambda x: calls.append(x) or x * 2,
        [(1,), (2,)],
        5,
        warmup=2,
        cpu=cpu,
        check=lambda case, result: checked.append((case, result)),
    )
    assert calls == [1, 1, 2, 2] + [1, 2, 1, 2, 1]
    assert len(times) == len(cpu) == 5 and all(t >= 0 for t in times)
    assert checked == [((1,), 2), ((2,), 4), ((1,), 2), ((2,), 4), ((1,), 2)]


def test_bench_page_timer_refuses_a_page_that_is_not_200():
    from bench import timed_pages

    class Client:
        def get(self, url):
            return type("Response", (), {"status_code": 404 if "absente" in url else 200})

    assert len(timed_pages(Client(), ["/a/", "/b/"], 3)) == 3
    with pytest.raises(AssertionError):
        timed_pages(Client(), ["/a/", "/absente/"], 3)


def test_crawl_masks_what_changes_between_runs_and_nothing_else():
    from bench.crawl import normalise

    page = (
        b'<input type="hidden" name="csrfmiddlewaretoken" value="AbC123xyz">'
        b'<script nonce="r4nd0m"></script>'
        b"<p>uid 3f2b8c1e-1a2b-4c3d-8e9f-0a1b2c3d4e5f@cdvs, 14 h 00, page 2</p>"
        b"<div>pzWKog8yQyNxhN3EUz7U-bHZ-47IVAQhFsNuP3dXG_M</div>"
        b"<a href=/organisations/12/>une-organisation-au-nom-long-de-43-lettres</a>"
    )
    assert normalise(page) == (
        b'<input type="hidden" name="csrfmiddlewaretoken" value="<csrf>">'
        b'<script nonce="<nonce>"></script>'
        b"<p>uid <uuid>@cdvs, 14 h 00, page 2</p>"
        b"<div><token></div>"
        b"<a href=/organisations/12/>une-organisation-au-nom-long-de-43-lettres</a>"
    )


def test_crawl_compare_fails_on_any_difference(tmp_path, capsys):
    from bench.crawl import compare

    for name, body in (("before", "status: 200\n\nA"), ("after", "status: 200\n\nA")):
        (tmp_path / name / "membre").mkdir(parents=True)
        (tmp_path / name / "membre" / "page.txt").write_text(body)
    assert compare(tmp_path / "before", tmp_path / "after") == 0
    (tmp_path / "after" / "membre" / "page.txt").write_text("status: 403\n\nA")
    assert compare(tmp_path / "before", tmp_path / "after") == 1
    assert "membre/page.txt" in capsys.readouterr().out


def test_every_url_name_the_benches_reverse_exists():
    """A renamed URL must not break `make bench` silently (the page bench once asked
    for « core:home » after the home page moved beside the root URLconf)."""
    import re
    from pathlib import Path

    from bench.bench_pages import url_names

    names = set(url_names()) | {"admin:index"}
    bench_dir = Path(__file__).resolve().parents[3] / "bench"
    used = {
        name
        for path in bench_dir.glob("*.py")
        for name in re.findall(r"""reverse\(\s*["']([\w:]+)["']""", path.read_text())
    }
    assert used, "no reverse() found in bench/"
    assert sorted(used - names) == []
