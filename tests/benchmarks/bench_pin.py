"""What one offline guess at the manager PIN costs, and so the whole PIN space.

Run: ``python tests/benchmarks/bench_pin.py [--runs N]``. For each scrypt cost (the old
n=2**16 and today's DEFAULT_N, r=8, p=1) it times ``pin_matches`` against a record with a
wrong PIN (exactly what an attacker holding the record does per guess) on one core: the median
of N runs in CPU time of this process, and wall time beside it. From it: the time to try all
10**4 four-digit and 10**6 six-digit PINs on one core (an attacker with more cores divides by
their number; the memory per guess, 128 * r * n bytes, limits how many run at once).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

from posapp.core.services.pin import _R, DEFAULT_N, hash_pin, pin_matches


def _span(seconds: float) -> str:
    if seconds < 3600:
        return f"{seconds / 60:.0f} min"
    if seconds < 2 * 86400:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} days"


def measure(n: int, runs: int) -> tuple[float, float]:
    """(median CPU seconds, median wall seconds) of one wrong guess at cost ``n``."""
    record = hash_pin("246813", n)
    cpu, wall = [], []
    for i in range(runs):
        c0, w0 = time.process_time(), time.perf_counter()
        assert not pin_matches(record, f"{i:06d}")
        cpu.append(time.process_time() - c0)
        wall.append(time.perf_counter() - w0)
    return statistics.median(cpu), statistics.median(wall)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"load average {load:.2f}; {args.runs} guesses per cost, medians; one core")
    print(
        f"{'cost':<22}{'memory':>9}{'CPU/guess':>11}{'wall/guess':>12}{'10^4 PINs':>12}"
        f"{'10^6 PINs':>12}"
    )
    for n in sorted({2**16, DEFAULT_N}):
        cpu, wall = measure(n, args.runs)
        label = f"n=2**{n.bit_length() - 1},r={_R},p=1" + (" *" if n == DEFAULT_N else "")
        print(
            f"{label:<22}{128 * _R * n / 2**20:>6.0f} MiB{cpu * 1000:>8.0f} ms{wall * 1000:>9.0f} ms"
            f"{_span(cpu * 10**4):>12}{_span(cpu * 10**6):>12}"
        )
    print("* today's cost (DEFAULT_N); 2**16 was the old one")


if __name__ == "__main__":
    main()
