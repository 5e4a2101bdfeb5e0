"""A lint: code that serves users never reads shared items except through `visible_to`.

Views, forms, template tags, exports and selectors may only start from
`Model.objects.visible_to(user)`; services and tasks (which act for the system on ids they
were handed by code that already checked) and models are exempt. A leak is one forgotten
filter away, so the check is mechanical rather than left to review.
"""

import ast
from pathlib import Path

from iconet.registry import shared_item_models

ROOT = Path(__file__).resolve().parents[2]
EXEMPT_FILES = {"services.py", "tasks.py", "models.py", "admin.py"}
AREA_PACKAGES = ["alerts", "ilo_reports", "documents", "returns", "iconet"]


def checked_files():
    for package in AREA_PACKAGES:
        base = ROOT / package
        if not base.exists():
            continue
        for path in base.rglob("*.py"):
            parts = set(path.relative_to(ROOT).parts)
            if "migrations" in parts or "management" in parts or "services" in parts or "models" in parts:
                continue
            if path.name in EXEMPT_FILES:
                continue
            yield path


def bypasses(path: Path, names: set[str], root: Path = ROOT) -> list[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []
    for node in ast.walk(tree):
        # Model.objects.<anything but visible_to>
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Attribute)
            and node.value.attr in ("objects", "_default_manager", "_base_manager")
            and isinstance(node.value.value, ast.Name)
            and node.value.value.id in names
            and node.attr != "visible_to"
        ):
            found.append(f"{path.relative_to(root)}:{node.lineno} {node.value.value.id}.{node.value.attr}.{node.attr}")
        # get_object_or_404(Model, ...) / get_list_or_404(Model, ...)
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in ("get_object_or_404", "get_list_or_404")
            and node.args
            and isinstance(node.args[0], ast.Name)
            and node.args[0].id in names
        ):
            found.append(f"{path.relative_to(root)}:{node.lineno} {node.func.id}({node.args[0].id})")
    return found


def test_views_read_shared_items_only_through_the_visibility_filter():
    names = {model.__name__ for model in shared_item_models().values()}
    assert names, "no shared item type is installed"
    offenders = [hit for path in checked_files() for hit in bypasses(path, names)]
    assert offenders == []


def test_the_lint_catches_a_bypass(tmp_path):
    sample = tmp_path / "views.py"
    sample.write_text(
        "def a(request, pk):\n    return Alert.objects.get(pk=pk)\n"
        "def b(request, pk):\n    return get_object_or_404(Alert, pk=pk)\n"
        "def c(request):\n    return Alert.objects.visible_to(request.user)\n"
    )
    hits = sorted(bypasses(sample, {"Alert"}, root=tmp_path))
    assert hits == ["views.py:2 Alert.objects.get", "views.py:4 get_object_or_404(Alert)"]
