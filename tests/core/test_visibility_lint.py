"""A lint: code that serves users never reads shared items, or the rows that hang from them,
except through `visible_to`.

The apps checked are read from the app registry (every installed app whose code lives in this
repository), so a new area app is checked without being named here. In them, views, forms,
template tags, selectors, exports and the administration may only start from
`Model.objects.visible_to(user)`. Services and tasks (which act for the system on ids handed
to them by code that already checked, and call `can` themselves) and models are exempt.

The check is syntactic (AST) and cheap, so it catches the usual ways of reaching a manager:
`Alert.objects.get(...)`, an import alias, a model held in a variable or returned by
`apps.get_model`, `_default_manager`, `_meta.default_manager`, a child row such as
`Attachment.objects.get(...).alert`, `get_object_or_404(Alert, ...)` and a class-based view's
`model = Alert` without the item mixins. What a page shows is checked by the canary tests of
the administration and by the permission matrix, not here.
"""

import ast
import importlib
from pathlib import Path

from django.apps import apps
from django.contrib.contenttypes.fields import GenericForeignKey

from iconet.models import DisclosureRequest
from iconet.sharing.registry import shared_item_models

ROOT = Path(__file__).resolve().parents[2]
EXEMPT_FILES = {"services.py", "tasks.py", "models.py"}
EXEMPT_DIRS = {"migrations", "management", "services", "models", "templatetags_tests"}
# Services of the core that live in the folder of their concern under a name of their own
# (like those under a services/ folder, they take the acting user and check what it may do).
EXEMPT_SERVICES = {"iconet/retention/deletion.py", "iconet/audit/footprint.py"}
MANAGERS = {"objects", "_default_manager", "_base_manager"}
# Class-based views whose base classes read through the visibility filter.
SAFE_VIEW_BASES = {
    "ItemQuerysetMixin",
    "ItemListView",
    "ItemDetailView",
    "ItemUpdateView",
    "ItemCreateView",
}

# Reviewed reads of child rows, by file and expression, each with why it cannot leak.
ALLOWED = {
    (
        "alerts/selectors.py",
        "ItemRecipient.objects.of_type",
    ): "the user's own receipts, as a subquery of visible alerts",
    (
        "alerts/views.py",
        "class NationalitiesMixin: model = Alert",
    ): "only mixed into ItemCreateView/ItemUpdateView",
    (
        "iconet/sharing/views/items.py",
        "DisclosureRequest.objects.filter",
    ): "requests on an item the owner member reads",
    (
        "iconet/dashboard/trends.py",
        "model._base_manager",
    ): "the items whose own writes marked them, counted for the audiences of their grants; a"
    " reader gets only sums over the audiences of their principals",
    (
        "iconet/operations/backup.py",
        "model._base_manager",
    ): "the backup command lists the stored file names of every model; it shows no one anything",
    (
        "iconet/dashboard/panels.py",
        "DisclosureRequest.objects.filter",
    ): "pending requests on visible items of the user's organisation (a visible_to subquery)",
    (
        "iconet/dashboard/panels.py",
        "ItemRecipient.objects.of_type",
    ): "failed receipts, as a subquery of the visible items of the user's organisation",
    (
        "documents/selectors.py",
        "NoteImage.objects.filter",
    ): "reviewed images of notes read through visible_to",
    (
        "documents/forms.py",
        "NoteImage.objects.filter",
    ): "a subquery narrowing notes already visible",
    (
        "iconet/sharing/views/sharing.py",
        "DisclosureRequest.objects.filter",
    ): "the user's own requests and their org's items",
    (
        "iconet/sharing/views/sharing.py",
        "related._default_manager",
    ): "names of directory rows in a history; items and their rows refused by is_content_model",
    (
        "iconet/sharing/views/sharing.py",
        "get_object_or_404(DisclosureRequest)",
    ): "PDF for the requester of an approved request",
    (
        "iconet/attachments/views.py",
        "Attachment.objects.of_item",
    ): "files of an item already checked visible",
    (
        "iconet/templatetags/iconet_tags.py",
        "ItemReply.objects.of_item",
    ): "the discussion of an item the detail page already read through visible_to",
    (
        "iconet/sharing/views/sharing.py",
        "ItemReply.objects.of_item",
    ): "the replies of an item the history page already checked visible",
    (
        "iconet/admin.py",
        "model._default_manager",
    ): "the change log's item references: reference only, never values",
    (
        "iconet/api/item_actions.py",
        "Attachment.objects.of_item",
    ): "files of an item the API found through visible_to and checked for download",
    (
        "iconet/api/item_actions.py",
        "Attachment.objects.none",
    ): "no row at all",
    (
        "iconet/api/item_actions.py",
        "DisclosureRequest.objects.filter",
    ): "the calling client's own requests on an item it found through visible_to",
    (
        "workspaces/views.py",
        "Invitation.objects.filter",
    ): "the user's own invitation to a meeting read through visible_to",
}


def project_apps():
    """Installed apps whose code is in this repository, from the app registry."""
    for config in apps.get_app_configs():
        path = Path(config.path).resolve()
        if ROOT in path.parents and ".venv" not in path.parts:
            yield config, path


def checked_files():
    seen = set()
    for _config, base in project_apps():
        for path in base.rglob("*.py"):
            parts = set(path.relative_to(ROOT).parts)
            exempt = parts & EXEMPT_DIRS or path.name in EXEMPT_FILES
            if exempt or path.relative_to(ROOT).as_posix() in EXEMPT_SERVICES or path in seen:
                continue
            seen.add(path)
            yield path


def protected_models() -> set[type]:
    """The models whose rows are items or hang from one (see `protected_names`)."""
    items = set(shared_item_models().values())
    found = set(items) | {DisclosureRequest}
    for model in apps.get_models():
        if isinstance(getattr(model, "item", None), GenericForeignKey):
            found.add(model)
        for field in model._meta.concrete_fields:
            if field.is_relation and field.related_model in items and model not in items:
                found.add(model)
    return found


def protected_names() -> set[str]:
    """Shared item models, the models whose rows hang from one (a foreign key to it), and
    those tied to one by a generic `item` relation (disclosure requests, attachments)."""
    return {model.__name__ for model in protected_models()}


def _terminal(node) -> str | None:
    """The identifier an expression ends with: `Alert`, `models.Alert` -> "Alert"."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _get_model_target(node, names) -> str | None:
    """`apps.get_model("alerts", "Alert")` or `apps.get_model("alerts.Alert")` of a protected
    model."""
    if isinstance(node, ast.Call) and _terminal(node.func) == "get_model":
        for arg in node.args:
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                name = arg.value.rpartition(".")[2]
                for candidate in names:
                    if candidate.lower() == name.lower():
                        return candidate
    return None


def _imports_another_model(node: ast.ImportFrom, name: str, package: str | None) -> bool:
    """Whether `from <module> import <name>` brings a model that is not protected, though a
    protected model elsewhere has the same name."""
    if package is None:
        return False
    try:
        module = importlib.import_module("." * node.level + (node.module or ""), package)
    except ImportError:
        return False
    found = getattr(module, name, None)
    return isinstance(found, type) and found not in protected_models()


def bound_names(tree, names: set[str], package: str | None = None) -> dict[str, str]:
    """Local names that stand for a protected model: the model itself, an import alias, a
    variable assigned from it or from `apps.get_model`."""
    bound = {name: name for name in names}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            for alias in node.names:
                if alias.name not in names:
                    continue
                if _imports_another_model(node, alias.name, package):
                    # A model of the same name that no item hangs from (the directory's account
                    # invitations beside a meeting's invitations): not a protected read.
                    bound.pop(alias.asname or alias.name, None)
                else:
                    bound[alias.asname or alias.name] = alias.name
    for _round in range(2):  # a variable assigned from another variable
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign):
                value = node.value
                target = _get_model_target(value, names) or (
                    bound.get(value.id) if isinstance(value, ast.Name) else None
                )
                for name in node.targets:
                    if target and isinstance(name, ast.Name):
                        bound[name.id] = target
    return bound


def _model_of(node, bound, names) -> str | None:
    if isinstance(node, ast.Name) and node.id in bound:
        return bound[node.id]
    if isinstance(node, ast.Attribute) and node.attr in names:
        return node.attr  # module.Alert
    return _get_model_target(node, names)


def bypasses(path: Path, names: set[str], root: Path = ROOT) -> list[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    where = path.relative_to(root).as_posix()
    relative = path.relative_to(root)
    package = ".".join(relative.parts[:-1]) if root == ROOT else None
    bound = bound_names(tree, names, package)
    found = []

    def hit(node, text):
        if (where, text) not in ALLOWED:
            found.append(f"{where}:{node.lineno} {text}")

    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Attribute):
            manager = node.value
            # <Model>.objects.<method> / <Model>._default_manager.<method>
            if manager.attr in MANAGERS and node.attr != "visible_to":
                model = _model_of(manager.value, bound, names)
                if model:
                    hit(node, f"{model}.{manager.attr}.{node.attr}")
            # <anything>._meta.default_manager / base_manager
            if node.attr in ("default_manager", "base_manager") and manager.attr == "_meta":
                hit(node, f"{ast.unparse(node)}")
        # <anything>._default_manager / _base_manager: a way around the visibility filter
        if isinstance(node, ast.Attribute) and node.attr in ("_default_manager", "_base_manager"):
            if not _model_of(node.value, bound, names):
                hit(node, ast.unparse(node))
        # get_object_or_404(Model, ...) / get_list_or_404(Model, ...)
        if (
            isinstance(node, ast.Call)
            and _terminal(node.func) in ("get_object_or_404", "get_list_or_404")
            and node.args
            and _model_of(node.args[0], bound, names)
        ):
            hit(node, f"{_terminal(node.func)}({_model_of(node.args[0], bound, names)})")
        # class SomeView(DetailView): model = Alert   (but not a form's or an admin's Meta)
        if isinstance(node, ast.ClassDef) and node.name != "Meta":
            bases = {_terminal(base) for base in node.bases}
            if bases & SAFE_VIEW_BASES:
                continue
            for statement in node.body:
                if (
                    isinstance(statement, ast.Assign)
                    and any(isinstance(t, ast.Name) and t.id == "model" for t in statement.targets)
                    and _model_of(statement.value, bound, names)
                ):
                    hit(
                        statement,
                        f"class {node.name}: model = {_model_of(statement.value, bound, names)}",
                    )
    return found


def test_views_read_shared_items_only_through_the_visibility_filter():
    names = protected_names()
    assert {"Alert", "IloReport", "Attachment", "ItemReply", "Contribution"} <= names
    offenders = [hit for path in checked_files() for hit in bypasses(path, names)]
    assert offenders == []


def test_the_checked_apps_come_from_the_registry():
    checked = {path.relative_to(ROOT).parts[0] for path in checked_files()}
    labels = {config.label for config, _path in project_apps()}
    assert {"iconet", "alerts", "ilo_reports"} <= checked
    assert {model._meta.app_label for model in shared_item_models().values()} <= labels
    assert any(path.name == "admin.py" for path in checked_files())


def test_the_lint_catches_every_kind_of_bypass(tmp_path):
    sample = tmp_path / "views.py"
    sample.write_text(
        "from alerts.models import Alert as A, Attachment\n"
        "from django.apps import apps\n"
        "def a(request, pk):\n    return A.objects.get(pk=pk)\n"
        "def b(request, pk):\n    return get_object_or_404(Alert, pk=pk)\n"
        "def c(request):\n    return Alert.objects.visible_to(request.user)\n"
        "def d(request, pk):\n    model = Alert\n    return model.objects.get(pk=pk)\n"
        "def e(request, pk):\n    return apps.get_model('alerts', 'Alert').objects.get(pk=pk)\n"
        "def f(request, pk, model):\n    return model._meta.default_manager.get(pk=pk)\n"
        "def g(request, pk):\n    return Attachment.objects.get(pk=pk).alert\n"
        "class V(DetailView):\n    model = Alert\n"
        "class W(ItemDetailView):\n    model = Alert\n"
        "def h(request, pk, model):\n    return model._default_manager.get(pk=pk)\n"
        "def i(request, pk):\n    M = apps.get_model('alerts.Alert')\n"
        "    return M.objects.get(pk=pk)\n"
    )
    hits = sorted(bypasses(sample, {"Alert", "Attachment"}, root=tmp_path))
    assert hits == sorted(
        [
            "views.py:4 Alert.objects.get",
            "views.py:6 get_object_or_404(Alert)",
            "views.py:11 Alert.objects.get",
            "views.py:13 Alert.objects.get",
            "views.py:15 model._meta.default_manager",
            "views.py:17 Attachment.objects.get",
            "views.py:19 class V: model = Alert",
            "views.py:23 Alert._default_manager.get",
            "views.py:26 Alert.objects.get",
        ]
    )
