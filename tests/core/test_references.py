"""Yearly references per item type: one counter per (prefix, year, country), never a duplicate."""

import threading

import pytest
from django.db import connection

from iconet.models import ReferenceSequence
from iconet.sharing.references import reference_next


@pytest.mark.django_db(transaction=True)
def test_concurrent_allocation_from_separate_connections_gives_no_duplicate():
    threads, per_thread = 8, 25
    numbers: list[int] = []
    errors: list[BaseException] = []
    start = threading.Barrier(threads)
    lock = threading.Lock()

    def allocate():
        try:
            start.wait()  # every thread asks at once, each on its own database connection
            for _ in range(per_thread):
                number = reference_next(prefix="EWS", year=2026, country="FR")
                with lock:
                    numbers.append(number)
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    workers = [threading.Thread(target=allocate) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert errors == []
    assert sorted(numbers) == list(range(1, threads * per_thread + 1))
    counter = ReferenceSequence.objects.get(prefix="EWS", year=2026, country_code="FR")
    assert counter.last_number == threads * per_thread


@pytest.mark.django_db
def test_counters_are_separate_per_prefix_year_and_country():
    assert reference_next(prefix="EWS", year=2026, country="FR") == 1
    assert reference_next(prefix="EWS", year=2026, country="FR") == 2
    assert reference_next(prefix="DOC", year=2026, country="FR") == 1
    assert reference_next(prefix="EWS", year=2027, country="FR") == 1
    assert reference_next(prefix="EWS", year=2026, country="DE") == 1
