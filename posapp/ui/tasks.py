"""TaskRunner: the one way the UI runs service calls off the GUI thread.

A view hands the runner a plain function (a service call) and two callbacks. The function runs
on a worker thread from one of three lanes, named for what they carry; its return value or
exception comes back through the runner's GuiInbox (``posapp.ui.inbox``), so the callbacks
always run on the GUI thread and never race a widget. The lanes are plain Python threads that
never call into Qt:

- **writes**: one worker, in order: the screens' own journal and settings writes and the slow
  local work (the scrypt PIN change, the keyring import and status, saving settings, the
  CSV export);
- **network**: several workers: calls that wait on Antom or the sandbox (pay, capture, cancel,
  refund, batches, connection checks; the services journal around them themselves);
- **reads**: several workers: journal reads (order lists, a payment's timeline, the duplicate
  check before a sale, the status bar), never queued behind a write or a slow call.

A failure without its own ``on_error`` goes to the one shared error presenter. When the
callbacks' owner (a widget) is deleted before the result arrives, the result is dropped instead
of touching a dead C++ object. Long work can report progress through a plain callback that the
runner delivers on the GUI thread the same way.
"""

from __future__ import annotations

import functools
import itertools
import logging
import queue
import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar, cast

import shiboken6
from PySide6.QtCore import QObject, Signal

from posapp.ui.inbox import GuiInbox, Mailbox

log = logging.getLogger(__name__)

T = TypeVar("T")
# What a job delivers travels through a queued signal as ``object``; ``run`` ties the
# on_done callback's type to the function's result, so the one cast below is safe.
OnDone = Callable[[object], None]
OnError = Callable[[BaseException], None]
OnProgress = Callable[[object], None]  # progress values are whatever the function reports
ErrorPresenter = Callable[[BaseException, str], None]


class Lane(StrEnum):
    WRITES = "writes"  # one worker, in order: writes and slow local work (PIN hashing, keyring)
    NETWORK = "network"  # several workers: calls that wait on Antom (or the sandbox)
    READS = "reads"  # several workers: journal reads, never behind a write or a slow call


@dataclass
class _Pending:
    label: str
    on_done: OnDone | None
    on_error: OnError | None
    on_progress: OnProgress | None
    owner: QObject | None
    cancelled: bool = False


class TaskHandle:
    """What ``TaskRunner.run`` returns: cancel() drops the callbacks (the call itself runs on)."""

    def __init__(self, runner: TaskRunner, task_id: int) -> None:
        self._runner = runner
        self.task_id = task_id

    def cancel(self) -> None:
        pending = self._runner._pending.get(self.task_id)
        if pending is not None:
            pending.cancelled = True

    @property
    def running(self) -> bool:
        return self.task_id in self._runner._pending


class _Job:
    """One function to run on a lane thread. It never touches Qt: its result (or exception)
    and its progress reports are posted to the runner's GuiInbox."""

    def __init__(
        self,
        runner: TaskRunner,
        task_id: int,
        fn: Callable[..., object],
        args: tuple[object, ...],
        kwargs: dict[str, object],
        with_progress: bool,
    ) -> None:
        self._tracker = runner._tracker
        self._deliver = runner._deliver
        self._progressed = runner._on_progressed
        self._task_id = task_id
        self._fn: Callable[..., object] | None = fn
        self._args = args
        self._kwargs = kwargs
        self._with_progress = with_progress

    def run(self) -> None:
        task_id, tracker = self._task_id, self._tracker
        inbox = tracker.mailbox
        kwargs = dict(self._kwargs)
        fn = self._fn
        assert fn is not None, "a job runs once"
        if self._with_progress:
            progressed = self._progressed

            def progress(value: object) -> None:
                inbox.post(functools.partial(progressed, task_id, value))

            kwargs["progress"] = progress
        try:
            result = fn(*self._args, **kwargs)
        except BaseException as exc:  # noqa: BLE001 - every failure goes back to the GUI thread
            outcome: tuple[bool, object] = (False, exc)
        else:
            outcome = (True, result)
        # Drop references on the worker thread so nothing keeps big arguments alive.
        self._fn = None
        self._args = ()
        self._kwargs = {}
        tracker.finished(functools.partial(self._deliver, task_id, outcome))


class _Tracker:
    """What lane threads share with the runner, as plain Python objects (never the QObject):
    the count of jobs not yet finished and the mailbox to the GUI thread."""

    def __init__(self, mailbox: Mailbox) -> None:
        self.mailbox = mailbox
        self.running = 0
        self.idle = threading.Condition()

    def started(self, count: int = 1) -> None:
        with self.idle:
            self.running += count
            self.idle.notify_all()

    def finished(self, delivery: Callable[[], None]) -> None:
        with self.idle:
            self.running -= 1
            self.idle.notify_all()
        self.mailbox.post(delivery)

    def wait(self, timeout: float | None) -> bool:
        with self.idle:
            return self.idle.wait_for(lambda: self.running <= 0, timeout)


_STOP = None  # put on a lane's queue once per thread: the thread ends


class _Lane:
    """``workers`` daemon threads taking jobs from one queue in order. They start with the
    first job and then live as long as the lane: each keeps its one journal connection
    instead of a new thread (and connection) after an idle spell. They end when the lane is
    stopped or garbage-collected (the runner went away without a shutdown)."""

    def __init__(self, name: str, workers: int) -> None:
        self.name = name
        self.workers = max(1, workers)
        self._queue: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._started = False
        self._stop = weakref.finalize(self, _stop_threads, self._queue, self.workers)

    def submit(self, job: _Job) -> None:
        if not self._started:  # the GUI thread is the only caller: no race here
            self._started = True
            for n in range(self.workers):
                threading.Thread(
                    target=_lane_worker,
                    args=(self._queue,),
                    name=f"posapp-{self.name}-{n + 1}",
                    daemon=True,
                ).start()
        self._queue.put(job)

    def take_queued(self) -> list[_Job]:
        """Remove the jobs no thread has started (shutdown)."""
        taken: list[_Job] = []
        while True:
            try:
                job = self._queue.get_nowait()
            except queue.Empty:
                break
            if job is not None:
                taken.append(job)
        return taken

    def stop(self) -> None:
        self._stop()


def _stop_threads(q: queue.SimpleQueue[_Job | None], count: int) -> None:
    for _ in range(count):
        q.put(_STOP)


def _lane_worker(q: queue.SimpleQueue[_Job | None]) -> None:
    while True:
        job = q.get()
        if job is None:
            return
        try:
            job.run()
        except Exception:  # run() catches the function's errors; this is the mailbox failing
            log.exception("a background job could not deliver its result")
        del job


class TaskRunner(QObject):
    """Runs service calls on worker lanes and delivers results on the GUI thread.

    Signals: ``busy_changed(bool)`` when the first task starts or the last one ends;
    ``task_failed(str, object)`` for every failure that reaches the shared presenter.
    """

    busy_changed = Signal(bool)
    task_failed = Signal(str, object)

    def __init__(
        self,
        parent: QObject | None = None,
        *,
        network_workers: int = 4,
        read_workers: int = 2,
        error_presenter: ErrorPresenter | None = None,
    ) -> None:
        super().__init__(parent)
        self._lanes = {
            Lane.WRITES: _Lane(Lane.WRITES.value, 1),
            Lane.NETWORK: _Lane(Lane.NETWORK.value, network_workers),
            Lane.READS: _Lane(Lane.READS.value, read_workers),
        }
        self._inbox = GuiInbox(self)
        self._tracker = _Tracker(self._inbox.mailbox)
        self._pending: dict[int, _Pending] = {}
        self._ids = itertools.count(1)
        self._presenter: ErrorPresenter = error_presenter or _log_only
        self._closed = False

    # -- public API ---------------------------------------------------------------------
    def set_error_presenter(self, presenter: ErrorPresenter) -> None:
        self._presenter = presenter

    def run(
        self,
        fn: Callable[..., T],
        *args: object,
        lane: Lane = Lane.NETWORK,
        on_done: Callable[[T], None] | None = None,
        on_error: OnError | None = None,
        on_progress: OnProgress | None = None,
        owner: QObject | None = None,
        label: str = "",
        **kwargs: object,
    ) -> TaskHandle:
        """Run ``fn(*args, **kwargs)`` on ``lane``; call back on the GUI thread.

        With ``on_progress``, ``fn`` also receives ``progress=callable``: each call is
        delivered to ``on_progress`` on the GUI thread.
        """
        task_id = next(self._ids)
        if self._closed:
            # shutting down (window closing): late timers may still ask; nothing runs
            log.debug("task %s dropped: the runner is shut down", label)
            return TaskHandle(self, task_id)
        self._pending[task_id] = _Pending(
            label or getattr(fn, "__name__", "task"),
            cast(OnDone | None, on_done),  # called with fn's own result only
            on_error,
            on_progress,
            owner,
        )
        job = _Job(self, task_id, fn, args, kwargs, on_progress is not None)
        if len(self._pending) == 1:
            self.busy_changed.emit(True)
        self._tracker.started()
        self._lanes[lane].submit(job)
        return TaskHandle(self, task_id)

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def in_flight(self) -> int:
        return len(self._pending)

    def wait_for_done(self, msecs: int = -1) -> bool:
        """Block until the worker lanes are idle (shutdown and tests; never from a view).
        The wait releases the GIL, so the lanes' threads finish what they run."""
        return self._tracker.wait(None if msecs < 0 else msecs / 1000)

    def shutdown(self, msecs: int = 15000) -> None:
        """Stop accepting work, let running calls finish, drop their callbacks."""
        self._closed = True
        for pending in self._pending.values():
            pending.cancelled = True
        dropped = sum(len(lane.take_queued()) for lane in self._lanes.values())
        if dropped:
            self._tracker.started(-dropped)
        self.wait_for_done(msecs)
        for lane in self._lanes.values():
            lane.stop()
        self._inbox.close()

    def present_error(self, exc: BaseException, label: str = "") -> None:
        self.task_failed.emit(label, exc)
        try:
            self._presenter(exc, label)
        except Exception:  # a broken presenter must not take the till down
            log.exception("the error presenter failed")

    # -- delivery on the GUI thread -----------------------------------------------------
    def _deliver(self, task_id: int, outcome: tuple[bool, object]) -> None:
        ok, value = outcome
        pending = self._pending.pop(task_id, None)
        if not self._pending:
            self.busy_changed.emit(False)
        if pending is None or pending.cancelled:
            return
        if pending.owner is not None and not shiboken6.isValid(pending.owner):
            return
        if ok:
            if pending.on_done is not None:
                pending.on_done(value)
            return
        assert isinstance(value, BaseException)
        if pending.on_error is not None:
            pending.on_error(value)
        else:
            log.error("task %s failed", pending.label, exc_info=value)
            self.present_error(value, pending.label)

    def _on_progressed(self, task_id: int, value: object) -> None:
        pending = self._pending.get(task_id)
        if pending is None or pending.cancelled or pending.on_progress is None:
            return
        if pending.owner is not None and not shiboken6.isValid(pending.owner):
            return
        pending.on_progress(value)


def _log_only(exc: BaseException, label: str) -> None:
    log.error("background task %s failed: %s", label or "?", exc)
