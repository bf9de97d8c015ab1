"""TaskRunner: results arrive on the GUI thread, lanes behave as promised, failures are shown."""

from __future__ import annotations

import threading
import time

import pytest
from PySide6.QtCore import QObject
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from posapp.ui.tasks import Lane, TaskRunner


@pytest.fixture
def runner(qtbot: QtBot):
    presented: list[tuple[str, BaseException]] = []
    r = TaskRunner(error_presenter=lambda exc, label: presented.append((label, exc)))
    r.presented = presented  # type: ignore[attr-defined]
    yield r
    r.shutdown()


def test_result_is_delivered_on_the_gui_thread(qtbot: QtBot, runner: TaskRunner) -> None:
    gui = threading.get_ident()
    seen: dict[str, int] = {}

    def work(x: int) -> int:
        seen["worker"] = threading.get_ident()
        return x * 2

    got: list[int] = []

    def done(value: int) -> None:
        seen["callback"] = threading.get_ident()
        got.append(value)

    runner.run(work, 21, on_done=done)
    qtbot.waitUntil(lambda: got == [42])
    assert seen["worker"] != gui
    assert seen["callback"] == gui


def test_failure_goes_to_on_error_or_the_shared_presenter(qtbot: QtBot, runner: TaskRunner) -> None:
    def boom() -> None:
        raise ValueError("no route to gateway")

    errors: list[BaseException] = []
    runner.run(boom, on_error=errors.append)
    qtbot.waitUntil(lambda: len(errors) == 1)
    assert isinstance(errors[0], ValueError)
    assert runner.presented == []  # type: ignore[attr-defined]

    with qtbot.waitSignal(runner.task_failed) as blocker:
        runner.run(boom, label="consult")
    assert blocker.args[0] == "consult"
    assert [label for label, _ in runner.presented] == ["consult"]  # type: ignore[attr-defined]


def test_writes_lane_runs_one_task_at_a_time_in_order(qtbot: QtBot, runner: TaskRunner) -> None:
    active = 0
    peak = 0
    order: list[int] = []
    lock = threading.Lock()

    def write(i: int) -> int:
        nonlocal active, peak
        with lock:
            active += 1
            peak = max(peak, active)
        time.sleep(0.01)
        with lock:
            active -= 1
            order.append(i)
        return i

    done: list[int] = []
    for i in range(8):
        runner.run(write, i, lane=Lane.WRITES, on_done=done.append)
    qtbot.waitUntil(lambda: len(done) == 8, timeout=5000)
    assert peak == 1
    assert order == list(range(8))
    assert done == list(range(8))


def test_network_lane_runs_calls_in_parallel(qtbot: QtBot, runner: TaskRunner) -> None:
    barrier = threading.Barrier(3, timeout=5)

    def call() -> bool:
        barrier.wait()  # only passes when three calls run at the same time
        return True

    done: list[bool] = []
    for _ in range(3):
        runner.run(call, on_done=done.append)
    qtbot.waitUntil(lambda: len(done) == 3, timeout=6000)
    assert done == [True, True, True]


def test_result_for_a_deleted_owner_is_dropped(qtbot: QtBot, runner: TaskRunner) -> None:
    label = QLabel()
    release = threading.Event()
    calls: list[object] = []

    def slow() -> str:
        release.wait(5)
        return "late"

    runner.run(slow, on_done=lambda v: label.setText(v) or calls.append(v), owner=label)
    label.deleteLater()
    qtbot.waitUntil(lambda: not _valid(label))
    release.set()
    runner.wait_for_done()
    qtbot.waitUntil(lambda: runner.in_flight == 0)
    assert calls == []


def test_progress_is_delivered_on_the_gui_thread(qtbot: QtBot, runner: TaskRunner) -> None:
    gui = threading.get_ident()
    seen: list[tuple[int, int]] = []

    def batch(progress) -> str:
        for i in range(3):
            progress(i)
        return "ok"

    done: list[str] = []
    runner.run(
        batch, on_progress=lambda v: seen.append((v, threading.get_ident())), on_done=done.append
    )
    qtbot.waitUntil(lambda: done == ["ok"])
    assert [v for v, _ in seen] == [0, 1, 2]
    assert {t for _, t in seen} == {gui}


def test_busy_changed_and_cancel(qtbot: QtBot, runner: TaskRunner) -> None:
    states: list[bool] = []
    runner.busy_changed.connect(states.append)
    got: list[int] = []
    handle = runner.run(lambda: 1, on_done=got.append)
    handle.cancel()
    qtbot.waitUntil(lambda: states == [True, False])
    assert got == []


def _valid(obj: QObject) -> bool:
    import shiboken6

    return shiboken6.isValid(obj)


def test_after_shutdown_nothing_runs(qtbot: QtBot) -> None:
    r = TaskRunner()
    r.shutdown()
    ran: list[int] = []
    handle = r.run(lambda: ran.append(1))
    qtbot.wait(50)
    assert ran == [] and not handle.running and r.closed


def test_reads_never_queue_behind_writes_or_network_calls(qtbot: QtBot, runner: TaskRunner) -> None:
    """A PIN change (slow local work on the writes lane) and calls waiting on Antom (every
    network worker busy) do not hold up a journal read such as the duplicate check."""
    release = threading.Event()
    started = threading.Semaphore(0)

    def blocked(_lane: str) -> str:
        started.release()
        assert release.wait(10), "never released"
        return _lane

    blockers: list[str] = []
    runner.run(blocked, "writes", lane=Lane.WRITES, on_done=blockers.append)
    for _ in range(4):  # the runner's four network workers, all waiting
        runner.run(blocked, "network", lane=Lane.NETWORK, on_done=blockers.append)
    for _ in range(5):
        assert started.acquire(timeout=5)
    read: list[str] = []
    try:
        runner.run(lambda: "read", lane=Lane.READS, on_done=read.append)
        qtbot.waitUntil(lambda: read == ["read"], timeout=5000)
        assert blockers == []  # every write and network call was still running
    finally:
        release.set()
    qtbot.waitUntil(lambda: len(blockers) == 5, timeout=5000)


def test_the_screens_reads_use_the_reads_lane() -> None:
    """Where each screen sends its work: reads on READS, local writes and slow local work on
    WRITES (the scrypt PIN change used to share a lane with the duplicate check)."""
    import inspect

    from posapp.ui import main_window
    from posapp.ui.views import new_payment_view, orders_view, payment_details, settings_dialog

    def lanes(module: object) -> list[str]:
        source = inspect.getsource(module)  # type: ignore[arg-type]
        return [part.split(",")[0] for part in source.split("lane=Lane.")[1:]]

    assert set(lanes(orders_view)) == {"READS", "WRITES"}  # WRITES: the CSV export only
    assert lanes(orders_view).count("WRITES") == 1
    assert set(lanes(payment_details)) == {"READS"}
    assert set(lanes(main_window)) == {"READS"}
    assert set(lanes(new_payment_view)) == {"READS"}
    # WRITES: keys, PIN, settings; the default (network) lane: Test connection and the
    # store server's Test, which wait on the network
    assert set(lanes(settings_dialog)) == {"WRITES"}


def test_each_worker_keeps_one_journal_connection_across_tasks(
    qtbot: QtBot, runner: TaskRunner, tmp_path
) -> None:
    """A Qt pool thread runs each task under a fresh Python thread state: the journal still
    hands it the connection it opened for its first task (not one more per task, kept open
    until the till stops)."""
    from posapp.core.journal.repository import JournalRepository

    repo = JournalRepository.open(tmp_path / "journal.sqlite3")
    try:
        opened_before = len(repo.journal._all)
        done: list[int] = []
        for i in range(60):
            lane = (Lane.READS, Lane.WRITES, Lane.NETWORK)[i % 3]
            runner.run(repo.last_event_id, lane=lane, on_done=done.append)
        qtbot.waitUntil(lambda: len(done) == 60, timeout=10000)
        workers = 2 + 1 + 4  # the runner's reads, writes and network workers at most
        assert len(repo.journal._all) - opened_before <= workers
    finally:
        repo.close()
