"""GuiInbox and the task lanes: worker threads hand work to the GUI thread without Qt calls."""

from __future__ import annotations

import gc
import threading

import pytest
from pytestqt.qtbot import QtBot

from posapp.ui.inbox import GuiInbox
from posapp.ui.tasks import Lane, TaskRunner, _Lane


def test_posts_from_many_threads_run_on_the_gui_thread_in_each_thread_s_order(
    qtbot: QtBot,
) -> None:
    inbox = GuiInbox()
    gui = threading.get_ident()
    seen: list[tuple[int, int, int]] = []
    per_thread = 500

    def worker(n: int) -> None:
        for i in range(per_thread):
            inbox.mailbox.post(lambda n=n, i=i: seen.append((n, i, threading.get_ident())))

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    qtbot.waitUntil(lambda: len(seen) == 4 * per_thread)
    assert {ident for _, _, ident in seen} == {gui}
    for n in range(4):
        assert [i for m, i, _ in seen if m == n] == list(range(per_thread))
    inbox.close()
    inbox.mailbox.post(lambda: seen.append((9, 9, 9)))  # after close: dropped, no error
    inbox.drain_now()
    assert len(seen) == 4 * per_thread


def test_a_failing_callback_does_not_starve_the_rest(qtbot: QtBot) -> None:
    inbox = GuiInbox()
    got: list[int] = []

    def boom() -> None:
        raise RuntimeError("broken view")

    inbox.mailbox.post(boom)
    inbox.mailbox.post(lambda: got.append(1))
    qtbot.waitUntil(lambda: got == [1])
    inbox.close()


def _lane_threads() -> set[threading.Thread]:
    return {t for t in threading.enumerate() if t.name.startswith("posapp-")}


def test_lane_threads_end_when_a_runner_is_dropped_without_shutdown(qtbot: QtBot) -> None:
    before = _lane_threads()
    runner = TaskRunner()
    done: list[int] = []
    for lane in Lane:
        runner.run(lambda: 1, lane=lane, on_done=done.append)
    qtbot.waitUntil(lambda: done == [1, 1, 1])
    started = _lane_threads() - before
    assert len(started) == 1 + 4 + 2  # writes, network, reads
    del runner
    gc.collect()
    for t in started:
        t.join(timeout=30)
    assert not any(t.is_alive() for t in started)


def test_shutdown_drops_queued_work_and_waits_for_the_running_call(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner = TaskRunner()
    release = threading.Event()
    ran: list[str] = []
    take_queued = _Lane.take_queued

    def take_then_release(lane: _Lane) -> list[object]:
        taken = take_queued(lane)
        release.set()  # the running call ends only once shutdown has taken the queue
        return list(taken)

    monkeypatch.setattr(_Lane, "take_queued", take_then_release)

    running = threading.Event()

    def first() -> None:
        running.set()
        release.wait(60)
        ran.append("first")

    runner.run(first, lane=Lane.WRITES)
    runner.run(lambda: ran.append("second"), lane=Lane.WRITES)  # queued behind first
    assert running.wait(60)
    runner.shutdown()
    assert ran == ["first"]  # the running call finished; the queued one never started
    assert runner.in_flight == 2  # their callbacks were dropped, never delivered
