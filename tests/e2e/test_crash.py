"""Crash test: a till (a real subprocess) is killed with SIGKILL at random moments while it
authorises, captures, refunds and cancels against a persistent sandbox; after every kill a
restart runs recovery and the journal must agree with the sandbox's ledger on every order.

Seeded (POSAPP_CRASH_SEED) and sized by POSAPP_CRASH_KILLS (default 200 SIGKILLs, spread over
two lanes that run side by side, each with its own journal, against one sandbox). About one
kill in seven hits a cold start (a new interpreter, killed while importing, opening the
journal or recovering); the others hit tills forked from a zygote (``crash_worker --zygote``,
which pays for the imports once) in the middle of payment traffic.
"""

from __future__ import annotations

import json
import os
import random
import signal
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from posapp.core.antom.client import AntomClient
from posapp.core.journal.repository import JournalRepository
from posapp.core.services.install_key import load_or_create_journal_key
from posapp.core.services.recovery import Recovery
from posapp.core.services.settle import Settler
from posapp.sandbox import Sandbox
from tests.backend_support import PAST_NOT_SENT_PROOF, MovableClock

from .agreement import all_payments, compare, integrity_ok, ledger_orders
from .crash_harness import Zygote, killed_by_sigkill, spawn_cold, split

MODULE = "tests.e2e.crash_worker"
KILLS = int(os.environ.get("POSAPP_CRASH_KILLS", "200"))
SEED = int(os.environ.get("POSAPP_CRASH_SEED", "20261125"))
LANES = ("A", "B")


@dataclass
class LaneStats:
    kills: int = 0
    kills_in_startup: int = 0
    checks: int = 0
    payments: int = 0
    recovered_changes: int = 0
    statuses: Counter[str] = field(default_factory=Counter)
    startup_s: float = 0.0  # spawn -> READY (interpreter, imports, journal, recovery)
    check_s: float = 0.0  # restart checks (recovery, verify, integrity, ledger agreement)
    failures: list[str] = field(default_factory=list)


def _worker_argv(data: Path, conf: Path, seed: int, lane: str, **extra: str) -> list[str]:
    argv = ["--data-dir", str(data), "--conf", str(conf), "--seed", str(seed), "--lane", lane]
    for key, value in extra.items():
        argv += [f"--{key.replace('_', '-')}", value]
    return argv


def _restart_and_compare(
    data: Path, sandbox: Sandbox, client: AntomClient, lane: str, stats: LaneStats
) -> None:
    """The restart: recovery, then journal verify, integrity and agreement with the ledger."""
    journal = data / "journal.sqlite3"
    if not journal.exists():
        return
    key = load_or_create_journal_key(training=True, data_dir=data)
    repo = JournalRepository.open(journal, key=key)
    try:
        # the restart comes after the killed tills' payments expired: Antom's "not found"
        # then proves "never sent" (before that such a payment rightly stays open)
        clock = MovableClock()
        clock.advance(PAST_NOT_SENT_PROOF)
        repo.clock = clock
        settler = Settler(repo, client, clock, "CRASH-01")
        report = Recovery(repo, settler, clock).run()
        stats.recovered_changes += len(report.changed)
        stats.checks += 1
        verdict = repo.verify()
        if not verdict.ok:
            stats.failures.append(f"kill {stats.kills}: {verdict.summary()}")
        integrity = integrity_ok(journal)
        if integrity != "ok":
            stats.failures.append(f"kill {stats.kills}: integrity_check: {integrity}")
        ledger = sandbox.ledger()
        agreement = compare(repo, ledger)
        stats.failures.extend(f"kill {stats.kills}: {p}" for p in agreement.problems[:5])
        known = {p.reference_order_id for p in all_payments(repo)}
        lost = ledger_orders(ledger, f"CR-{lane}") - known
        if lost:
            stats.failures.append(
                f"kill {stats.kills}: orders at Antom, not in the journal: {lost}"
            )
        stats.payments = agreement.payments
    finally:
        repo.close()


def _lane(
    lane: str, kills: int, seed: int, root: Path, sandbox: Sandbox, conf: Path, stats: LaneStats
) -> None:
    rng = random.Random(seed)
    data = root / f"lane-{lane}"
    data.mkdir()
    log = root / f"lane-{lane}.stderr"
    client = AntomClient(
        sandbox.base_url,
        sandbox.client_id,
        sandbox.merchant_private_key_pem,
        sandbox.antom_public_key_pem,
        timeout=5.0,
    )
    zygote = Zygote(log, MODULE)
    zygote.preload(conf)
    try:
        for _ in range(kills):
            argv = _worker_argv(data, conf, rng.randrange(1 << 30), lane)
            if rng.random() < 0.15:
                # a cold start, killed while it imports, opens the journal or recovers
                stats.kills_in_startup += 1
                proc = spawn_cold(MODULE, argv, log)
                time.sleep(rng.uniform(0.05, 0.8))
                if proc.poll() is not None:
                    stats.failures.append(f"worker exited by itself: {proc.returncode}")
                proc.send_signal(signal.SIGKILL)
                proc.wait(30)
            else:
                spawned = time.monotonic()
                pid = zygote.fork(argv)
                if not zygote.wait_ready(pid, 30):
                    stats.failures.append(f"kill {stats.kills}: worker never became ready")
                stats.startup_s += time.monotonic() - spawned
                time.sleep(rng.uniform(0.0, 0.5))  # in the middle of payment traffic
                os.kill(pid, signal.SIGKILL)
                status = zygote.reap(pid)
                if not killed_by_sigkill(status):
                    stats.failures.append(f"worker {pid} ended by itself: status {status}")
            stats.kills += 1
            # what the sandbox was handling when the till died finishes in milliseconds
            time.sleep(0.1)
            checked = time.monotonic()
            _restart_and_compare(data, sandbox, client, lane, stats)
            stats.check_s += time.monotonic() - checked
            if len(stats.failures) > 10:
                return
        # a last, clean run: the till goes on after all those crashes and exits normally
        pid = zygote.fork(_worker_argv(data, conf, rng.randrange(1 << 30), lane, max_payments="5"))
        status = zygote.reap(pid)
        if not os.WIFEXITED(status) or os.WEXITSTATUS(status) != 0:
            stats.failures.append(f"the final clean run ended with status {status}")
        _restart_and_compare(data, sandbox, client, lane, stats)
        repo = JournalRepository.open(data / "journal.sqlite3")
        try:
            stats.statuses.update(p.status.value for p in all_payments(repo))
        finally:
            repo.close()
    finally:
        zygote.close()
        client.close()


@pytest.mark.slow
def test_sigkill_at_random_points_loses_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    started = time.monotonic()
    with Sandbox(tmp_path / "sandbox-state") as sandbox:
        conf = tmp_path / "worker.json"
        conf.write_text(
            json.dumps(
                {
                    "base_url": sandbox.base_url,
                    "client_id": sandbox.client_id,
                    "private_key": sandbox.merchant_private_key_pem,
                    "public_key": sandbox.antom_public_key_pem,
                }
            )
        )
        stats = {lane: LaneStats() for lane in LANES}
        per_lane = split(KILLS, len(LANES))
        threads = [
            threading.Thread(
                target=_lane,
                args=(lane, n, SEED + i, tmp_path, sandbox, conf, stats[lane]),
                name=f"crash-lane-{lane}",
            )
            for i, (lane, n) in enumerate(zip(LANES, per_lane, strict=True))
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    failures = [f"lane {lane}: {f}" for lane, s in stats.items() for f in s.failures]
    total_kills = sum(s.kills for s in stats.values())
    statuses: Counter[str] = Counter()
    for s in stats.values():
        statuses.update(s.statuses)
    with capsys.disabled():
        print(
            f"\ncrash test (seed {SEED}): {total_kills} SIGKILLs "
            f"({sum(s.kills_in_startup for s in stats.values())} during start-up/recovery), "
            f"{sum(s.checks for s in stats.values())} restarts checked, "
            f"{sum(s.payments for s in stats.values())} payments, "
            f"{sum(s.recovered_changes for s in stats.values())} settled by recovery, "
            f"final states {dict(statuses)}, {time.monotonic() - started:.0f} s "
            f"(start-up {sum(s.startup_s for s in stats.values()):.0f} s, "
            f"checks {sum(s.check_s for s in stats.values()):.0f} s, summed over lanes)"
        )
    assert not failures, "\n".join(failures[:20])
    assert total_kills >= KILLS
