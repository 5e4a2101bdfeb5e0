"""The shape of the code: no import cycle among the project's own modules, and areas that
never import one another.

The import graph is read from the source with `ast`. Its nodes are the modules of the
project's apps, taken from the app registry (the core `iconet` and every area app that is
installed, so a new area is checked without changing this test). It counts every import
statement: those at module and class level, which run when the module is loaded, and those
inside functions, which run later. A function-level import is how a cycle hides (a model
method importing its service), so it counts like any other. An import names the most specific
project module it reaches (`from iconet.models import User` reaches `iconet.models`;
`from iconet.outbox.services import notify` reaches `iconet.outbox.services.notify`).
"""

import ast
from pathlib import Path

from django.apps import apps

ROOT = Path(__file__).resolve().parents[2]
CORE = "iconet"


def project_apps() -> list[str]:
    """The apps whose code lives in this repository (not Django's, not third parties')."""
    return sorted(
        config.name
        for config in apps.get_app_configs()
        if Path(config.path).resolve().is_relative_to(ROOT)
    )


def project_modules(packages: list[str]) -> dict[str, Path]:
    modules = {}
    for package in packages:
        for path in (ROOT / package.replace(".", "/")).rglob("*.py"):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            modules[".".join(parts)] = path
    return modules


def imported_names(module: str, path: Path) -> set[str]:
    """Dotted names of everything the module imports, wherever the statement is."""
    base = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parent = base[: len(base) - node.level + 1]
                source = ".".join(parent + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            names.add(source)
            names.update(f"{source}.{alias.name}" for alias in node.names)
    return names


def import_graph(packages: list[str]) -> dict[str, set[str]]:
    modules = project_modules(packages)

    def reached(name: str) -> str | None:
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name or None

    graph = {}
    for module, path in modules.items():
        targets = {reached(name) for name in imported_names(module, path)}
        # A package's modules import from the package itself: that is not an edge.
        graph[module] = {t for t in targets if t and t != module and not module.startswith(f"{t}.")}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle through each back edge of a depth-first walk (none if the graph is acyclic)."""
    found, state = [], {}

    def walk(node: str, path: list[str]) -> None:
        state[node] = "open"
        path.append(node)
        for target in sorted(graph[node]):
            if state.get(target) == "open":
                found.append(path[path.index(target) :] + [target])
            elif target not in state:
                walk(target, path)
        path.pop()
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            walk(node, [])
    return found


def test_the_apps_are_read_from_the_registry():
    names = project_apps()
    assert CORE in names and {"alerts", "ilo_reports"} <= set(names)


def test_the_project_modules_import_each_other_without_a_cycle():
    graph = import_graph(project_apps())
    assert "alerts.models" in graph and "iconet.sharing.access" in graph
    assert cycles(graph) == []


def test_the_cycle_check_finds_a_cycle_hidden_in_a_method(tmp_path, monkeypatch):
    """The check itself: a model method importing its service is a cycle."""
    package = tmp_path / "area"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "models.py").write_text(
        "class Item:\n"
        "    def publish(self):\n"
        "        from .services import tell\n"
        "        tell(self)\n"
    )
    (package / "services.py").write_text("from area.models import Item\n\ndef tell(item): pass\n")
    monkeypatch.setattr(f"{__name__}.ROOT", tmp_path)
    assert cycles(import_graph(["area"])) == [["area.models", "area.services", "area.models"]]


def test_areas_never_import_each_other():
    """An area builds on the core only; what two areas share belongs in the core."""
    areas = [name for name in project_apps() if name != CORE]
    graph = import_graph(areas)
    crossings = sorted(
        (module, target)
        for module, targets in graph.items()
        for target in targets
        if module.split(".")[0] != target.split(".")[0]
    )
    assert crossings == []


def test_the_portal_does_not_import_the_development_tooling():
    """devtools/ needs the "dev" extra, which the production image does not install."""
    modules = project_modules(project_apps())
    users = sorted(
        module
        for module, path in modules.items()
        if any(name.split(".")[0] == "devtools" for name in imported_names(module, path))
    )
    assert users == []
