"""Crash test of a store on one PostgreSQL journal (issue 15's proof): four tills and a back
office, each a real process, against one sandbox and one database, killed with SIGKILL at
seeded random moments while the database server is restarted twice under them.

The test owns its PostgreSQL cluster (pgcluster: initdb/pg_ctl, a unix socket in a temporary
folder; tests/run.sh's shared server is never touched), so stopping it disturbs no other
test. The tills pay, capture, cancel and refund with the real services (crash_pg_worker);
the back office captures, cancels and refunds any till's payments behind the manager
approval. A loop picks a seeded random worker every few hundred milliseconds, kills it
(SIGKILL, at whatever point it is: importing, opening the journal, recovering, or in the
middle of a payment) and starts it again; the new process runs recovery over the store's
journal. Twice, at seeded points, the server stops as in a power cut (``pg_ctl stop -m
immediate``), stays away for a moment and starts again: every worker meets a dropped
connection, waits for the server and settles what it left.

At the end every worker is killed once more, then each role runs cleanly for a few
payments, and a last recovery (past the moment Antom's "not found" proves "never sent")
precedes the proof: no double charge, nothing at the sandbox unknown to the journal, the
journal agrees with the sandbox's ledger order by order (agreement.py), and ``posapp
journal verify --journal URL`` passes.

Seeded (POSAPP_CRASH_SEED) and sized by POSAPP_CRASH_PG_KILLS (default 200).
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from posapp.core.antom.client import AntomClient
from posapp.core.domain import EventKind
from posapp.core.journal.location import parse_location
from posapp.core.journal.repository import JournalRepository
from posapp.core.services.install_key import load_or_create_journal_key
from posapp.core.services.recovery import Recovery
from posapp.core.services.settle import Settler
from posapp.sandbox import Sandbox
from tests.backend_support import PAST_NOT_SENT_PROOF, MovableClock

from .agreement import all_payments, compare, ledger_orders
from .crash_harness import ROOT, Zygote, env, killed_by_sigkill, spawn_cold
from .pgcluster import Cluster, server_bin

KILLS = int(os.environ.get("POSAPP_CRASH_PG_KILLS", "200"))
SEED = int(os.environ.get("POSAPP_CRASH_SEED", "20261125"))
MODULE = "tests.e2e.crash_pg_worker"
WORKERS = {"TILL-1": "till", "TILL-2": "till", "TILL-3": "till", "TILL-4": "till"}
WORKERS["OFFICE"] = "office"
SERVER_RESTARTS = 2
COLD_SHARE = 0.1  # restarts that start a new interpreter rather than a fork of the zygote

pytestmark = pytest.mark.skipif(server_bin() is None, reason="PostgreSQL is not installed")


@dataclass
class Running:
    pid: int
    cold: subprocess.Popen[bytes] | None = None  # a new interpreter, not a zygote's child


@dataclass
class Stats:
    kills: int = 0
    kills_before_ready: int = 0
    cold_starts: int = 0
    server_restarts: int = 0
    server_away_s: float = 0.0
    kills_by_worker: Counter[str] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)


def _argv(
    url: str, keys: Path, conf: Path, terminal: str, rng: random.Random, **extra: str
) -> list[str]:
    argv = ["--journal", url, "--key-dir", str(keys), "--conf", str(conf)]
    argv += ["--seed", str(rng.randrange(1 << 30)), "--terminal", terminal]
    argv += ["--role", WORKERS[terminal]]
    for key, value in extra.items():
        argv += [f"--{key.replace('_', '-')}", value]
    return argv


def _server_restart(cluster: Cluster, away: float, stats: Stats) -> None:
    """A power cut at the database server: stop it at once, leave it away, start it."""
    stopped = time.monotonic()
    try:
        cluster.stop()
        time.sleep(away)  # how long the store is without its server, not a correctness wait
        cluster.start()
    except subprocess.CalledProcessError as exc:
        stats.failures.append(f"server restart failed: {exc}")
        return
    stats.server_restarts += 1
    stats.server_away_s += time.monotonic() - stopped


def _final_check(
    url: str, keys: Path, sandbox: Sandbox, client: AntomClient
) -> tuple[dict[str, int], Counter[str], list[str]]:
    """The last restart's recovery, then the proof on the whole store's journal."""
    key = load_or_create_journal_key(training=True, data_dir=keys)
    clock = MovableClock()
    clock.advance(PAST_NOT_SENT_PROOF)  # "not found" now proves "never sent"
    repo = JournalRepository.open(parse_location(url), clock=clock, key=key)
    try:
        report = Recovery(repo, Settler(repo, client, clock, "CHECK"), clock).run()
        problems: list[str] = []
        verdict = repo.verify()
        if not verdict.ok:
            problems.append(f"journal verify: {verdict.summary()}")
        ledger = sandbox.ledger()
        agreement = compare(repo, ledger)
        problems.extend(agreement.problems[:10])
        payments = all_payments(repo)
        lost = ledger_orders(ledger, "PG-") - {p.reference_order_id for p in payments}
        if lost:
            problems.append(f"orders at Antom, not in the journal: {sorted(lost)[:5]}")
        doubles = sum(1 for p in agreement.problems if "double charge" in p)
        figures = {
            "payments": agreement.payments,
            "orders": agreement.orders,
            "settled_by_last_recovery": len(report.changed),
            "doubles": doubles,
            "lost": len(lost),
            "mismatches": len(agreement.problems),
            "office_actions": sum(
                1
                for p in payments
                for e in repo.events_for_payment(p.id)
                if e.kind is EventKind.REQUEST_SENT
                and e.terminal_id == "OFFICE"
                and e.api in ("capture", "cancel", "refund")
            ),
        }
        return figures, Counter(p.status.value for p in payments), problems
    finally:
        repo.close()


@pytest.mark.slow
def test_a_store_on_postgresql_survives_sigkills_and_server_restarts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    started = time.monotonic()
    rng = random.Random(SEED)
    stats = Stats()
    cluster = Cluster().create()
    try:
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
            keys = tmp_path / "keys"  # the store's one training journal key
            keys.mkdir()
            key = load_or_create_journal_key(training=True, data_dir=keys)
            JournalRepository.open(parse_location(cluster.url), key=key).close()  # migrated
            client = AntomClient(
                sandbox.base_url,
                sandbox.client_id,
                sandbox.merchant_private_key_pem,
                sandbox.antom_public_key_pem,
                timeout=5.0,
            )
            log = tmp_path / "workers.stderr"
            zygote = Zygote(log, MODULE)
            zygote.preload(conf)
            try:
                _run(rng, cluster, keys, conf, log, zygote, stats)
                figures, statuses, problems = _final_check(cluster.url, keys, sandbox, client)
            finally:
                zygote.close()
                client.close()
            # `posapp journal verify` on the store's journal, as an accountant would run it
            command = ["journal", "verify", "--data-dir", str(keys), "--journal", cluster.url]
            verify = subprocess.run(
                [sys.executable, "-m", "posapp", *command],
                cwd=ROOT,
                env=env(),
                capture_output=True,
                text=True,
                timeout=120,
            )
    finally:
        cluster.remove()
    lines = log.read_text(errors="replace").splitlines()
    away = sum(line.startswith("journal away: ") for line in lines)
    refused = sum(line.startswith("refused: ") for line in lines)
    # recovery logs (and goes on past) a payment it could not settle while the server was away
    logged = sum(line.startswith("recovery of ") for line in lines)
    ready = sorted(float(line.split()[2]) for line in lines if line.startswith("ready after "))
    median_ready = ready[len(ready) // 2] if ready else 0.0
    with capsys.disabled():
        print(
            f"\ncrash test of a store on PostgreSQL (seed {SEED}): {stats.kills} SIGKILLs "
            f"over 4 tills and a back office {dict(stats.kills_by_worker)} "
            f"({stats.kills_before_ready} before READY, {stats.cold_starts} cold starts; "
            f"{len(ready)} reached READY, median {median_ready:.2f} s to start), "
            f"{stats.server_restarts} server restarts ({stats.server_away_s:.1f} s away, "
            f"{away} journal-away waits in the workers), {figures['payments']} payments in "
            f"{figures['orders']} orders, {figures['office_actions']} back-office operations, "
            f"{refused} refusals, {logged} recoveries cut short, {figures['settled_by_last_recovery']} settled by the last "
            f"recovery, {figures['doubles']} double charges, {figures['lost']} lost, "
            f"{figures['mismatches']} ledger mismatches, final states {dict(statuses)}, "
            f"journal verify exit {verify.returncode}, {time.monotonic() - started:.0f} s"
        )
    failures = stats.failures + problems
    assert not failures, "\n".join(failures[:20])
    assert verify.returncode == 0, verify.stdout + verify.stderr
    assert stats.kills >= KILLS
    assert stats.server_restarts == SERVER_RESTARTS
    assert figures["doubles"] == 0 and figures["lost"] == 0
    if KILLS >= 100:  # the mix really happened (seeded; loose floors)
        assert away >= len(WORKERS), "the workers never met the server away"
        assert figures["office_actions"] > 0 and stats.kills_before_ready > 0
        assert all(stats.kills_by_worker[name] for name in WORKERS)


def _run(
    rng: random.Random,
    cluster: Cluster,
    keys: Path,
    conf: Path,
    log: Path,
    zygote: Zygote,
    stats: Stats,
) -> None:
    """The kill loop: a seeded random worker killed and started again, KILLS times; the
    server restarted when the count reaches two seeded points."""
    restart_at = sorted(rng.sample(range(KILLS // 5, KILLS * 4 // 5), SERVER_RESTARTS))
    restarts: list[threading.Thread] = []

    def start(terminal: str, cold: bool, **extra: str) -> Running:
        argv = _argv(cluster.url, keys, conf, terminal, rng, **extra)
        if cold:
            stats.cold_starts += 1
            proc = spawn_cold(MODULE, argv, log)
            return Running(proc.pid, proc)
        return Running(zygote.fork(argv))

    def kill(terminal: str, running: Running) -> None:
        if running.cold is not None:
            if running.cold.poll() is not None:
                stats.failures.append(f"{terminal} exited by itself: {running.cold.returncode}")
            running.cold.send_signal(signal.SIGKILL)
            running.cold.wait(30)
            stats.kills_before_ready += 1  # counted as start-up: its stdout is not read
        else:
            ready = zygote.said(f"READY {running.pid}")
            os.kill(running.pid, signal.SIGKILL)
            if not killed_by_sigkill(zygote.reap(running.pid)):
                stats.failures.append(f"{terminal} ({running.pid}) ended by itself")
            stats.kills_before_ready += not ready
        stats.kills += 1
        stats.kills_by_worker[terminal] += 1

    live = {terminal: start(terminal, cold=False) for terminal in WORKERS}
    while stats.kills < KILLS and len(stats.failures) < 10:
        time.sleep(rng.uniform(0.0, 0.8))  # when to kill: a random point, not a wait
        terminal = rng.choice(sorted(WORKERS))
        kill(terminal, live[terminal])
        live[terminal] = start(terminal, cold=rng.random() < COLD_SHARE)
        if restart_at and stats.kills >= restart_at[0]:
            restart_at.pop(0)
            away = rng.uniform(0.3, 1.5)
            thread = threading.Thread(target=_server_restart, args=(cluster, away, stats))
            thread.start()
            restarts.append(thread)
    for thread in restarts:
        thread.join()
    for terminal, running in live.items():
        kill(terminal, running)
    # a last, clean run of every worker at once: they go on after all that and exit normally
    final = {terminal: start(terminal, cold=False, max_payments="3") for terminal in WORKERS}
    for terminal, running in final.items():
        status = zygote.reap(running.pid)
        if not os.WIFEXITED(status) or os.WEXITSTATUS(status) != 0:
            stats.failures.append(f"{terminal}'s clean run ended with status {status}")
