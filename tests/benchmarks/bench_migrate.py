"""Moving a large till journal into PostgreSQL: rows per second and peak memory of
``posapp journal migrate``, and the peak memory of ``journal verify`` / ``journal export``
reading the copy back through server-side cursors.

Run (a server is needed; ``tests/run.sh`` exports one, or give ``--url``):

    bash tests/run.sh --co -q >/dev/null  # (or any server of your own)
    .venv/bin/python tests/benchmarks/bench_migrate.py [--payments 100000] [--url URL]
        [--keep DIR]

The source is a real journal written through the repository (intent, authorisation, a
capture for one payment in three: the chain and the state rows verify), sealed under a
training key in its data folder. Each command runs as its own process; its peak RSS is the
kernel's figure for that process (``wait4``), so nothing of the benchmark's own memory is
counted. ``--keep DIR`` keeps (and reuses) the source.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from posapp.core.clock import FakeClock  # noqa: E402
from posapp.core.domain import OperationStatus, PaymentStatus, PaymentUpdate  # noqa: E402
from posapp.core.journal.repository import JournalRepository  # noqa: E402
from posapp.core.services.install_key import load_or_create_journal_key  # noqa: E402
from tests.core.journal.conftest import OP, new_payment  # noqa: E402
from tests.journal_backends import PG_URL, fresh_schema, schema_url  # noqa: E402


def build(data_dir: Path, payments: int) -> float:
    data_dir.mkdir(parents=True, exist_ok=True)
    key = load_or_create_journal_key(training=True, data_dir=data_dir)
    clock = FakeClock()
    repo = JournalRepository.open(data_dir / "journal.sqlite3", clock=clock, key=key)
    start = time.perf_counter()
    try:
        done = 0
        while done < payments:
            with repo.transaction():
                for i in range(done, min(payments, done + 2000)):
                    p = repo.record_intent(new_payment())
                    p = repo.transition(
                        p.id,
                        PaymentStatus.AUTHORISED,
                        update=PaymentUpdate(
                            payment_id=f"ANT{p.payment_request_id}",
                            authorised_at=clock.now(),
                            result_status="S",
                        ),
                        **OP,
                    )
                    if i % 3 == 0:
                        request = f"CAP-{p.payment_request_id}"
                        repo.record_capture_intent(p.id, request, **OP)
                        repo.update_capture(request, OperationStatus.SUCCEEDED, **OP)
            done = min(payments, done + 2000)
    finally:
        repo.close()
    return time.perf_counter() - start


def run(argv: list[str]) -> tuple[int, str, str, float, float]:
    """(exit status, stdout, stderr, seconds, peak RSS in MB) of ``posapp *argv``."""
    out_path = Path(os.environ.get("TMPDIR", "/tmp")) / f"bench-migrate-{os.getpid()}.out"
    err_path = out_path.with_suffix(".err")
    start = time.perf_counter()
    with out_path.open("w") as out, err_path.open("w") as err:
        proc = subprocess.Popen([sys.executable, "-m", "posapp", *argv], stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    text, errors = out_path.read_text(), err_path.read_text()
    out_path.unlink()
    err_path.unlink()
    return proc.returncode, text, errors, seconds, usage.ru_maxrss / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--payments", type=int, default=100_000)
    parser.add_argument("--url", default=PG_URL, help="a PostgreSQL server to copy into")
    parser.add_argument("--keep", type=Path, help="keep (and reuse) the source data folder")
    parser.add_argument("--batch-rows", default="5000")
    args = parser.parse_args()
    if not args.url:
        print("no server: run under tests/run.sh or give --url", file=sys.stderr)
        return 2
    os.environ["POSAPP_TEST_POSTGRESQL_URL"] = args.url
    import tests.journal_backends as backends

    backends.PG_URL = args.url
    import tempfile

    folder = args.keep or Path(tempfile.mkdtemp(prefix="bench-migrate-"))
    source = folder / "journal.sqlite3"
    if not source.exists():
        print(f"building a {args.payments:,}-payment journal in {folder} ...", flush=True)
        print(f"  built in {build(folder, args.payments):.0f} s")
    size_mb = source.stat().st_size / 1e6
    code, _, _, _, idle = run(["--version"])
    print(f"source: {source} ({size_mb:.0f} MB); a bare posapp process: {idle:.0f} MB RSS")
    csv = folder / "export.csv"
    with fresh_schema() as schema:
        url = schema_url(schema)
        code, out, err, seconds, rss = run(
            [
                "journal",
                "migrate",
                "--data-dir",
                str(folder),
                "--to",
                url,
                "--batch-rows",
                args.batch_rows,
            ]
        )
        if code != 0:
            print(err or out, file=sys.stderr)
            return 1
        rows = int(re.search(r": (\d+) rows in", out).group(1))  # type: ignore[union-attr]
        print(out.rstrip())
        print(
            f"migrate: {rows:,} rows in {seconds:.1f} s wall (copy + compare + verify) = "
            f"{rows / seconds:,.0f} rows/s; peak RSS {rss:.0f} MB"
        )
        for name, argv in (
            ("verify (server)", ["journal", "verify", "--data-dir", str(folder), "--journal", url]),
            ("export (server)", ["journal", "export", "--csv", str(csv), "--journal", url]),
            ("verify (SQLite)", ["journal", "verify", "--data-dir", str(folder)]),
        ):
            code, out, err, seconds, rss = run(argv)
            print(f"{name}: exit {code} in {seconds:.1f} s; peak RSS {rss:.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
