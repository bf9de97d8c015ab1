"""A throw-away PostgreSQL cluster owned by one test, which may stop and restart it at will
without disturbing any other test (tests/run.sh's shared server is left alone).

Set up as tests/run.sh sets up its own: ``initdb``/``pg_ctl`` from the newest
``/usr/lib/postgresql/*/bin``, data in a temporary folder, reached only through a unix socket
in that folder (no TCP port), run as ``nobody`` when the tests run as root (PostgreSQL
refuses root), trusted on its socket, fsync off (a server killed with ``-m immediate`` loses
nothing it committed while the machine itself keeps running).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path


def server_bin() -> Path | None:
    """The newest installed server's bin folder, or None when PostgreSQL is not installed."""
    found = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"),
        key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0,
    )
    return found[-1].parent if found else None


class Cluster:
    """``start()``, ``url``, ``restart()``/``stop()``/``start()`` again, ``remove()``."""

    def __init__(self, database: str = "posapp_crash") -> None:
        found = server_bin()
        if found is None:
            raise RuntimeError("PostgreSQL is not installed (tests/run.sh installs it)")
        self.bin = found
        self.database = database
        # a short path: a unix socket's path must stay under ~107 bytes
        self.root = Path(tempfile.mkdtemp(prefix="posapp-pg-"))
        self.root.chmod(0o755)
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self.as_owner: list[str] = []
        if os.geteuid() == 0:
            shutil.chown(self.root, "nobody")
            self.as_owner = ["runuser", "-u", "nobody", "--"]
        self.restarts = 0

    @property
    def url(self) -> str:
        return f"postgresql://posapp@/{self.database}?host={self.root}"

    def _ctl(self, *args: str) -> None:
        subprocess.run(
            [*self.as_owner, str(self.bin / "pg_ctl"), "-D", str(self.data), *args],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def create(self) -> Cluster:
        initdb = [str(self.bin / "initdb"), "-D", str(self.data), "-U", "posapp", "-A", "trust"]
        subprocess.run(
            [*self.as_owner, *initdb, "-E", "UTF8", "--locale=C", "--no-sync"],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        self.start()
        subprocess.run(
            [str(self.bin / "createdb"), "-h", str(self.root), "-U", "posapp", self.database],
            check=True,
        )
        return self

    def start(self) -> None:
        options = f"-k {self.root} -c listen_addresses= -c fsync=off"
        self._ctl("-l", str(self.log), "-w", "-o", options, "start")

    def stop(self) -> None:
        """As a power cut would stop it (no checkpoint, every connection dropped)."""
        self._ctl("-m", "immediate", "-w", "stop")

    def restart(self) -> None:
        self._ctl("-m", "immediate", "-w", "restart")
        self.restarts += 1

    def remove(self) -> None:
        try:
            self._ctl("-m", "immediate", "-w", "stop")  # -w: gone before its folder goes
        except subprocess.CalledProcessError:
            pass  # not running
        shutil.rmtree(self.root)
