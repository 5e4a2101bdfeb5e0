"""The layout of the core says what it holds: every package of `iconet` opens with a one-line
docstring (a line that says what the folder holds, before any detail), the core imports no
area app, every chart is drawn by the core's chart partials, and every file leaves the portal
through the core's file pipeline."""

import ast
import re

from tests.core.test_architecture import CORE, ROOT, import_graph, project_apps


def core_packages() -> list:
    return sorted(
        path
        for path in (ROOT / CORE).rglob("__init__.py")
        if "migrations" not in path.relative_to(ROOT).parts
    )


def opening_line_problem(source: str) -> str | None:
    """Why a package's docstring does not open with one line of its own, or None."""
    docstring = ast.get_docstring(ast.parse(source), clean=False)
    if not docstring or not docstring.strip():
        return "no docstring"
    lines = docstring.strip().splitlines()
    if len(lines) > 1 and lines[1].strip():
        return "the first line runs on into the second"
    if not lines[0].rstrip().endswith((".", ")")):
        return "the first line is not a sentence"
    return None


def test_every_package_of_the_core_opens_with_a_line_that_says_what_it_holds():
    packages = core_packages()
    names = {str(p.parent.relative_to(ROOT)) for p in packages}
    assert {"iconet/directory", "iconet/search", "iconet/outbox", "iconet/exports"} <= names
    assert {"iconet/sharing", "iconet/attachments", "iconet/discussion", "iconet/files"} <= names
    problems = {
        str(path.relative_to(ROOT)): problem
        for path in packages
        if (problem := opening_line_problem(path.read_text()))
    }
    assert problems == {}


def test_the_core_keeps_no_folder_named_for_a_kind_of_module():
    """Models, services and views live in the folder of what they are about; `iconet.models`
    is only the app's models module (Django's), which imports every model of the core."""
    names = {str(p.parent.relative_to(ROOT)) for p in core_packages()}
    assert {"iconet/models", "iconet/services", "iconet/views"} & names == set()
    assert (ROOT / CORE / "models.py").is_file()
    source = (ROOT / CORE / "models.py").read_text()
    assert not any(
        isinstance(node, ast.ClassDef | ast.FunctionDef) for node in ast.parse(source).body
    )


def test_the_opening_line_check_refuses_what_it_should():
    assert opening_line_problem('"""The outbox."""') is None
    assert opening_line_problem('"""The outbox.\n\nMore about it."""') is None
    assert opening_line_problem("") == "no docstring"
    assert opening_line_problem("import os\n") == "no docstring"
    assert opening_line_problem('"""The outbox: mails\nand notifications."""') == (
        "the first line runs on into the second"
    )
    assert opening_line_problem('"""The outbox, its mails and"""') == (
        "the first line is not a sentence"
    )


def test_the_core_imports_no_area():
    """Areas build on the core; the core reaches an area only through what it declares (its
    item types, its area config), never by importing it, even inside a function."""
    apps = project_apps()
    areas = [name for name in apps if not name.startswith(CORE)]
    assert {"alerts", "documents", "ilo_reports", "returns"} <= set(areas)
    graph = import_graph(apps)
    crossings = sorted(
        (module, target)
        for module, targets in graph.items()
        if module.split(".")[0] == CORE
        for target in targets
        if target.split(".")[0] in areas
    )
    assert crossings == []


def test_the_core_tells_the_api_through_registered_listeners_only():
    """The API builds on the core like an area: its webhooks hear of publications, recipients
    told and access changes through `iconet.listeners.Listeners` it registers in its
    `AppConfig.ready`; no module of the core outside `iconet.api` imports it, except the
    project's URLs that mount its pages."""
    graph = import_graph(project_apps())
    crossings = sorted(
        (module, target)
        for module, targets in graph.items()
        if module.startswith(f"{CORE}.")
        and not module.startswith(f"{CORE}.api")
        and module != f"{CORE}.urls"
        for target in targets
        if target == f"{CORE}.api" or target.startswith(f"{CORE}.api.")
    )
    assert crossings == []


def test_every_chart_is_drawn_by_the_core_chart_module():
    """A page that charts figures takes `iconet.dashboard.charts` and its tags (`bar_chart`,
    `bar_chart_horizontal`), whose SVG names itself for a screen reader: no template draws
    one of its own."""
    drawn = sorted(
        str(path.relative_to(ROOT))
        for path in ROOT.glob("**/templates/**/*.html")
        if ".venv" not in path.parts and re.search(r"<svg[^>]*role=\"img\"", path.read_text())
    )
    assert drawn == []


# The item's PDF is served by the sharing kernel's views (its print and PDF pages).
FILE_RESPONSES_ELSEWHERE = {"iconet/sharing/views/sharing.py"}


def test_every_file_leaves_through_the_file_pipeline():
    """A file sent to the browser carries its checked type, a harmless RFC 5987 name, nosniff
    and no-store: `iconet.files.pipeline.file_response` sets them all, so no view sets its own."""
    setters = sorted(
        str(path.relative_to(ROOT))
        for app in project_apps()
        for path in (ROOT / app.replace(".", "/")).rglob("*.py")
        if "Content-Disposition" in path.read_text()
        and path.relative_to(ROOT).as_posix() != "iconet/files/pipeline.py"
    )
    assert set(setters) <= FILE_RESPONSES_ELSEWHERE, setters


def test_every_task_named_by_beat_or_sent_by_name_is_known_to_the_worker():
    """A task keeps its name when its module moves (queued messages and beat's schedule name
    it): every name in the schedule and in a `send_task` call is a task the worker registers."""
    from django.conf import settings

    from iconet.celery import app

    app.loader.import_default_modules()
    sent = {
        match
        for name in project_apps()
        for path in (ROOT / name.replace(".", "/")).rglob("*.py")
        for match in re.findall(r"send_task\(\s*\"([\w.]+)\"", path.read_text())
    }
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "iconet.tasks.email_sweep_pending" in scheduled and len(sent) >= 3
    assert (scheduled | sent) - set(app.tasks) == set()
