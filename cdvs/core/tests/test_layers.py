"""The layers of DESIGN.md, enforced: a module imports (at module level) only modules of
its own layer or of lower layers. A layer is a list of module patterns (fnmatch on the
dotted name); the first layer whose pattern matches a module is its layer. Inside an app
too, modules form no import cycle at module level (models < hours / recurrence helpers <
services < tasks < views / api). Function-level imports are counted apart: each one left
must say why on its line (`# lazy:` comment)."""

import ast
import fnmatch
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]  # the cdvs package

# lowest first: mirrors the table « Couches » of DESIGN.md
LAYERS = [
    # with core: the API's building blocks (strict types, French error bodies)
    ("core", ["cdvs.core.*", "cdvs.api.types", "cdvs.api.errors"]),
    ("territories data", ["cdvs.territories.models", "cdvs.territories.geo",
                          "cdvs.territories.locate", "cdvs.territories.apps"]),
    ("identity", ["cdvs.accounts.models", "cdvs.accounts.permissions", "cdvs.accounts.tasks",
                  "cdvs.accounts.visibility", "cdvs.accounts.sessions",
                  "cdvs.accounts.lockout", "cdvs.accounts.apps", "cdvs.accounts.admin",
                  "cdvs.accounts.services", "cdvs.accounts.retention",
                  "cdvs.accounts.management.*"]),
    ("search mechanism", ["cdvs.search.registry", "cdvs.search.index", "cdvs.search.tasks",
                          "cdvs.search.backends", "cdvs.search.models", "cdvs.search.text",
                          "cdvs.search.apps", "cdvs.search.management.*"]),
    ("territories", ["cdvs.territories.*"]),
    ("contract", ["cdvs.contract.*"]),
    ("directory", ["cdvs.directory.*"]),
    ("library", ["cdvs.library.*"]),
    ("meetings", ["cdvs.meetings.*"]),
    ("calls", ["cdvs.calls.*"]),
    ("actions", ["cdvs.actions.*"]),
    ("evaluation", ["cdvs.evaluation.*"]),
    ("participation", ["cdvs.participation.*"]),
    ("pages across apps", ["cdvs.accounts.*", "cdvs.search.*", "cdvs.api.*", "cdvs.home",
                           "cdvs.urls", "cdvs.settings", "cdvs.wsgi", "cdvs.conftest", "cdvs",
                           "cdvs.testing.*"]),
]  # fmt: skip


def layer_of(module: str) -> int:
    for rank, (_name, patterns) in enumerate(LAYERS):
        if any(fnmatch.fnmatchcase(module, p) or module == p.removesuffix(".*") for p in patterns):
            return rank
    raise AssertionError(f"{module} n'appartient à aucune couche de DESIGN.md")


def modules():
    for path in sorted(ROOT.rglob("*.py")):
        rel = path.relative_to(ROOT.parent).with_suffix("")
        if "migrations" in rel.parts or "tests" in rel.parts:
            continue
        name = ".".join(rel.parts).removesuffix(".__init__")
        yield name, path


def imports_of(path: Path):
    """(imported module, line, at module level?) for each cdvs import of a file."""
    tree = ast.parse(path.read_text())
    top = {id(node) for node in tree.body}
    package = ".".join(path.relative_to(ROOT.parent).with_suffix("").parts[:-1])
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                target = f"{base}.{node.module}" if node.module else base
            else:
                target = node.module or ""
            # `from package import module` imports the module
            targets = [f"{target}.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        else:
            continue
        for target in targets:
            if target.startswith("cdvs.") or target == "cdvs":
                yield target, node.lineno, id(node) in top


def resolve(target: str) -> str:
    """A dotted target as a module of the package (a name imported from a module is
    reduced to the module)."""
    parts = target.split(".")
    while parts:
        candidate = ROOT.parent.joinpath(*parts)
        if candidate.with_suffix(".py").exists() or (candidate / "__init__.py").exists():
            return ".".join(parts)
        parts.pop()
    return target


def test_every_module_has_a_layer():
    for name, _path in modules():
        layer_of(name)


def test_no_module_imports_a_higher_layer():
    wrong = []
    for name, path in modules():
        own = layer_of(name)
        lines = path.read_text().splitlines()
        for target, lineno, _at_top in imports_of(path):
            module = resolve(target)
            if module in ("cdvs",):
                continue
            if layer_of(module) > own and "# lazy:" not in lines[lineno - 1]:
                wrong.append(f"{path.relative_to(ROOT.parent)}:{lineno} {name} -> {module}")
    assert not wrong, "Imports vers une couche plus haute :\n" + "\n".join(wrong)


@pytest.mark.parametrize("rank", range(len(LAYERS)))
def test_layer_patterns_match_something(rank):
    names = [n for n, _ in modules()]
    _label, patterns = LAYERS[rank]
    assert any(
        fnmatch.fnmatchcase(n, p) or n == p.removesuffix(".*") for p in patterns for n in names
    )


def module_graph() -> dict[str, set[str]]:
    """Each cdvs module -> the cdvs modules it imports at module level."""
    graph = {}
    for name, path in modules():
        graph[name] = {
            module
            for target, _lineno, at_top in imports_of(path)
            if at_top and (module := resolve(target)) not in (name, "cdvs")
        }
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each sorted."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return sorted(found)


def test_cycles_are_found():
    graph = {"a.models": {"a.hours"}, "a.hours": {"a.models"}, "a.views": {"a.models"}}
    assert cycles(graph) == [["a.hours", "a.models"]]


def test_no_import_cycle_at_module_level():
    found = cycles(module_graph())
    assert not found, "Cycles d'imports au niveau des modules :\n" + "\n".join(
        " <-> ".join(c) for c in found
    )


def function_level_imports(path: Path):
    """(line, source lines) of each import inside a function or a method of a file."""
    tree = ast.parse(path.read_text())
    lines = path.read_text().splitlines()
    for func in ast.walk(tree):
        if isinstance(func, ast.FunctionDef | ast.AsyncFunctionDef):
            for node in ast.walk(func):
                if isinstance(node, ast.Import | ast.ImportFrom):
                    yield node.lineno, lines[node.lineno - 1 : node.end_lineno]


def test_every_function_level_import_says_why():
    """A function-level import hides a cycle or slows nothing down: hoist it, or say on
    its line why it must stay (`# lazy: heavy library, only for XLSX exports`). Test
    helpers (`cdvs.testing`, conftests) aside."""
    silent = []
    for name, path in modules():
        if name.startswith("cdvs.testing") or name.endswith("conftest"):
            continue
        for lineno, source in function_level_imports(path):
            if not any("# lazy:" in line for line in source):
                silent.append(f"{path.relative_to(ROOT.parent)}:{lineno} {source[0].strip()}")
    assert not silent, "Imports dans une fonction sans « # lazy: » :\n" + "\n".join(silent)
