"""The packages' layering, read from the source: core depends on nothing above it, and no two packages import
each other (directly or round a longer circle), counting imports inside functions too."""
import ast
from itertools import pairwise
from pathlib import Path

PACKAGE_ROOT = Path(__file__).resolve().parent.parent / "register"
# What core may use besides itself: the extension objects and the configuration, below every package.
BELOW_CORE = {"register.core", "register.extensions", "register.config"}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE_ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def source_modules() -> dict[str, Path]:
    return {module_name(path): path for path in sorted(PACKAGE_ROOT.rglob("*.py"))
            if "migrations" not in path.relative_to(PACKAGE_ROOT).parts}


def imported_modules(name: str, path: Path) -> list[tuple[str, int]]:
    """Every register module `path` imports (anywhere in it), with the line: `from register import x` names
    the module register.x where x is one."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{anchor}.{base}" if base else anchor
            found.append((base, node.lineno))
            found += [(f"{base}.{alias.name}", node.lineno) for alias in node.names]
    modules = source_modules()
    return [(target, line) for target, line in found
            if target.split(".")[0] == "register" and target in modules]


def package_of(module: str) -> str:
    """register.x.y -> register.x; register (the app factory) stands for itself."""
    return ".".join(module.split(".")[:2])


def layer_of(module: str) -> str:
    """The package, where the extension objects and the configuration count as core: extensions.py binds core's
    model base class, and core uses the extension objects (one foundation, in three places)."""
    package = package_of(module)
    return "register.core" if package in BELOW_CORE else package


def import_edges() -> list[tuple[str, str, str]]:
    """(importing package, imported package, 'file:line imports module') for imports across packages."""
    edges = []
    for name, path in source_modules().items():
        for target, line in imported_modules(name, path):
            source, dest = package_of(name), package_of(target)
            if layer_of(name) != layer_of(target):
                edges.append((source, dest, f"{path.relative_to(PACKAGE_ROOT.parent)}:{line} imports {target}"))
    return edges


def test_core_imports_nothing_from_the_packages_above_it():
    offending = [why for source, dest, why in import_edges() if source == "register.core" and dest not in BELOW_CORE]
    assert not offending, "core must not import from the packages above it:\n" + "\n".join(offending)


def find_cycle(edges: list[tuple[str, str, str]]) -> list[str]:
    """One circle of imports between packages, as the imports that make it; empty if there is none."""
    graph: dict[str, dict[str, str]] = {}
    for source, dest, why in edges:
        graph.setdefault(source, {}).setdefault(dest, why)
    state: dict[str, str] = {}
    path: list[str] = []

    def visit(node: str) -> list[str]:
        state[node] = "open"
        path.append(node)
        for nxt in sorted(graph.get(node, {})):
            if state.get(nxt) == "open":
                circle = path[path.index(nxt):] + [nxt]
                return [graph[a][b] for a, b in pairwise(circle)]
            if nxt not in state and (found := visit(nxt)):
                return found
        path.pop()
        state[node] = "done"
        return []

    for start in sorted(graph):
        if start not in state and (found := visit(start)):
            return found
    return []


def circles(edges: list[tuple[str, str, str]]) -> list[set[str]]:
    """The sets of two or more packages that import each other, directly or round a longer circle."""
    graph: dict[str, set[str]] = {}
    for source, dest, _why in edges:
        graph.setdefault(source, set()).add(dest)
        graph.setdefault(dest, set())

    def reachable(start: str) -> set[str]:
        seen, todo = set(), [start]
        while todo:
            for nxt in graph[todo.pop()] - seen:
                seen.add(nxt)
                todo.append(nxt)
        return seen

    reach = {node: reachable(node) for node in graph}
    found = []
    for node in sorted(graph):
        group = {other for other in reach[node] if node in reach[other]}
        if len(group) > 1 and group not in found:
            found.append(group)
    return found


def test_no_two_packages_import_each_other():
    edges = [(layer_of(source), layer_of(dest), why) for source, dest, why in import_edges()]
    found = circles(edges)
    assert not found, "packages import each other in a circle:\n" + "\n".join(
        "\n".join(find_cycle([e for e in edges if e[0] in group and e[1] in group])) for group in found)


def test_the_checks_see_an_import_inside_a_function_and_a_circle(tmp_path):
    """The checks can fail: an import inside a function counts, and a circle of three packages is found."""
    module = tmp_path / "fake.py"
    module.write_text("def f():\n    from register.accounts.models import User\n"
                      "    from ..organisation import services\n")
    assert imported_modules("register.core.fake", module) == [
        ("register.accounts.models", 2), ("register.organisation", 3), ("register.organisation.services", 3)]
    edges = [("register.a", "register.b", "a->b"), ("register.b", "register.c", "b->c"),
             ("register.c", "register.a", "c->a"), ("register.c", "register.d", "c->d")]
    assert find_cycle(edges) == ["a->b", "b->c", "c->a"]
    assert find_cycle(edges[1:]) == []
    assert circles(edges) == [{"register.a", "register.b", "register.c"}]
    assert circles(edges[1:]) == []
