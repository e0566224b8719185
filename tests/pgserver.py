"""A throwaway PostgreSQL server for the test session, started from Debian's binaries."""

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path


def find_bindir() -> Path | None:
    """The newest /usr/lib/postgresql/<version>/bin, or the directory of pg_ctl on PATH."""
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"),
        key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0,
        reverse=True,
    )
    if candidates:
        return Path(candidates[0]).parent
    on_path = shutil.which("pg_ctl")
    return Path(on_path).parent if on_path and shutil.which("initdb") else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# A throwaway server for tests: no durability (nothing to keep), room for parallel clients.
FAST_SETTINGS = {
    "listen_addresses": "127.0.0.1",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "200",
}


@dataclass
class PostgresServer:
    bindir: Path
    root: Path
    port: int
    settings: dict[str, str] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str) -> None:
        # initdb and pg_ctl refuse to run as root; CI runs as root, so drop to `postgres`.
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        subprocess.run(
            [*prefix, *args],
            check=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )

    def start(self) -> None:
        data = self.root / "data"
        self._run(
            str(self.bindir / "initdb"),
            "-D",
            str(data),
            "-U",
            "postgres",
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--no-sync",
            "--locale=C",
        )
        self.resume()

    def halt(self) -> None:
        """Stop the server (fast: connections are cut) but keep its data, for resume()."""
        self._run(
            str(self.bindir / "pg_ctl"), "-D", str(self.root / "data"), "-m", "fast", "-w", "stop"
        )

    def resume(self) -> None:
        """Start the server on its data directory, on the same port."""
        data = self.root / "data"
        settings = FAST_SETTINGS | self.settings
        options = f"-p {self.port} -k {self.root} " + " ".join(
            f"-c {name}={value}" for name, value in settings.items()
        )
        self._run(
            str(self.bindir / "pg_ctl"),
            "-D",
            str(data),
            "-o",
            options,
            "-l",
            str(self.root / "server.log"),
            "-w",
            "-t",
            "60",
            "start",
        )

    def stop(self) -> None:
        try:
            self._run(
                str(self.bindir / "pg_ctl"),
                "-D",
                str(self.root / "data"),
                "-m",
                "immediate",
                "-w",
                "stop",
            )
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


def start_server(**settings: str) -> PostgresServer | None:
    """Start a server on a free loopback port, or None when PostgreSQL is not installed.

    `settings` override FAST_SETTINGS (e.g. fsync="on" for a benchmark).
    """
    bindir = find_bindir()
    if bindir is None:
        return None
    root = Path(tempfile.mkdtemp(prefix="recotrack-pg-"))
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    server = PostgresServer(bindir=bindir, root=root, port=free_port(), settings=settings)
    try:
        server.start()
    except subprocess.CalledProcessError as exc:
        log = root / "server.log"
        detail = log.read_text() if log.exists() else ""
        shutil.rmtree(root, ignore_errors=True)
        raise RuntimeError(f"could not start PostgreSQL: {exc.stdout}\n{detail}") from exc
    return server
