"""Background CSV export of the typical user's whole alert list, made by a real Celery worker.

On the visibility benchmark's network (bench/visibility.py seeds it; the typical user reads
about 115,000 of its 200,000 alerts), starts one Celery worker process (prefork, one child, as
a worker of docker-compose.yml runs it) on a queue of its own on the real Redis broker, asks for
the export as the list's "export" button does (`export_job_create`), and prints the time from
the request to the finished file, the rows written, and the resident memory of the worker's
child before, at its peak during, and after each export: memory returned after the task means
the next export starts where the first did.

    .venv/bin/python bench/export.py [--repeat 3]
"""

import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != BENCH]
sys.path.insert(0, str(ROOT))

import argparse  # noqa: E402
import os  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402

QUEUE = f"iconet-export-{uuid.uuid4().hex[:8]}"
os.environ["CELERY_QUEUE"] = QUEUE
os.environ.setdefault("ICONET_BENCH_DB", "iconet_bench")
from bench import visibility  # noqa: E402, I001  (sets Django up on the bench database)

# isort: split
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.http import QueryDict  # noqa: E402

from iconet.models import ExportJob  # noqa: E402
from iconet.sharing.registry import shared_item_models  # noqa: E402


def worker_start() -> subprocess.Popen:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "iconet",
            "worker",
            "--pool=prefork",
            "--concurrency=1",
            "-Q",
            QUEUE,
            "-n",
            f"{QUEUE}@%h",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-l",
            "warning",
        ],
        cwd=ROOT,
        env={**os.environ, "LOG_LEVEL": "WARNING"},
    )
    from iconet import celery_app

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        replies = celery_app.control.ping(timeout=0.5) or []
        if any(QUEUE in name for reply in replies for name in reply):
            return process
        if process.poll() is not None:
            raise SystemExit("the worker did not start")
    process.terminate()
    raise SystemExit("the worker did not answer within 60 s")


def child_pid(worker: subprocess.Popen) -> int | None:
    try:
        children = Path(f"/proc/{worker.pid}/task/{worker.pid}/children").read_text().split()
    except OSError:
        return None
    return int(children[0]) if children else None


def memory(pid: int | None) -> tuple[float, float]:
    """Resident and peak resident memory of `pid`, MiB."""
    rss = peak = 0.0
    if pid is None:
        return rss, peak
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return rss, peak
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            rss = int(line.split()[1]) / 1024
        elif line.startswith("VmHWM:"):
            peak = int(line.split()[1]) / 1024
    return rss, peak


def spread(values: list[float], fmt: str = "{:.1f}") -> str:
    values = sorted(values)
    if len(values) == 1:
        return fmt.format(values[0])
    return "/".join(fmt.format(v) for v in (values[0], statistics.median(values), values[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    visibility.ensure_database()
    call_command("migrate", verbosity=0)
    model = shared_item_models()["alerts.alert"]
    if model.objects.count() < 200_000:
        raise SystemExit("Seed the network first: .venv/bin/python bench/visibility.py")
    from iconet.exports.services import export_job_create
    from iconet.exports.sources import export_source

    user, org = visibility.typical_user()
    visible = model.objects.visible_to(user).count()
    print(f"Typical user: {user.username} of {org}, sees {visible} alerts")
    source = export_source("alerts:list")
    ExportJob.objects.filter(owner=user).delete()
    connection.close()

    worker = worker_start()
    seconds, rows, before, peaks, after = [], [], [], [], []
    try:
        for run in range(args.repeat):
            pid = child_pid(worker)
            rss_before, _peak = memory(pid)
            started = time.perf_counter()
            job = export_job_create(user=user, source=source, params=QueryDict(""), fmt="csv")
            state = job.state
            peak = 0.0
            while state in ExportJob.ACTIVE_STATES and time.perf_counter() - started < 600:
                time.sleep(0.2)
                peak = max(peak, memory(pid)[0])
                state = ExportJob.objects.values_list("state", flat=True).get(pk=job.pk)
            elapsed = time.perf_counter() - started
            job.refresh_from_db()
            time.sleep(3)  # the task has returned; what the worker's child keeps now is kept
            rss_after, _peak = memory(child_pid(worker))
            print(
                f"run {run + 1}: {job.state}, {job.total} rows in {elapsed:.1f} s; worker child "
                f"{rss_before:.0f} MiB before, {peak:.0f} MiB at its peak, {rss_after:.0f} MiB "
                "after",
                flush=True,
            )
            seconds.append(elapsed)
            rows.append(job.total or 0)
            before.append(rss_before)
            peaks.append(peak)
            after.append(rss_after)
            if job.file:
                job.file.storage.delete(job.file.name)
            ExportJob.objects.filter(pk=job.pk).delete()
    finally:
        worker.terminate()
        worker.wait(30)
    print()
    print(f"CSV export, {rows[0]} rows, min/median/max of {args.repeat} runs")
    print(f"    request to finished file: {spread(seconds)} s")
    print(f"    worker child before:      {spread(before, '{:.0f}')} MiB")
    print(f"    worker child peak:        {spread(peaks, '{:.0f}')} MiB")
    print(f"    worker child after:       {spread(after, '{:.0f}')} MiB")
    print(f"    (MEDIA_ROOT {settings.MEDIA_ROOT})")


if __name__ == "__main__":
    main()
