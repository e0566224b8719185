"""Real uvicorn server processes on a test database, for fuzz, crash, outage and load tests."""

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from app.config import PROJECT_ROOT
from tests.pgserver import free_port


@dataclass
class Server:
    """One uvicorn process group (the parent and its workers) and its log file."""

    database_url: str
    log_path: Path
    workers: int = 1
    env: dict[str, str] = field(default_factory=dict)
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, *, wait_ready: bool = True, timeout: float = 30) -> "Server":
        env = os.environ | self.env | {"RECOTRACK_DATABASE_URL": self.database_url}
        # As `recotrack serve` runs it (make run, the Dockerfile), workers and all.
        command = [sys.executable, "-m", "app", "serve", "--host", "127.0.0.1"]
        command += ["--port", str(self.port), "--workers", str(self.workers)]
        log = self.log_path.open("a")
        # A session of its own, so a SIGKILL reaches the workers too and nothing else.
        self.proc = subprocess.Popen(
            command,
            cwd=PROJECT_ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        if wait_ready:
            self.wait_ready(timeout)
        return self

    def wait_ready(self, timeout: float = 30) -> None:
        """Wait until /readyz says 200 (for every worker, it is asked a few times)."""
        deadline = time.monotonic() + timeout
        ok = 0
        while ok < 2 * self.workers:
            try:
                ok = ok + 1 if httpx.get(f"{self.base}/readyz", timeout=2).status_code == 200 else 0
            except httpx.TransportError:
                ok = 0
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(f"server exited early:\n{self.log()}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"server not ready after {timeout}s:\n{self.log()}")
            if ok == 0:
                time.sleep(0.1)

    def kill(self) -> None:
        """SIGKILL the whole process group: no shutdown code runs."""
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=30)

    def stop(self) -> None:
        """SIGTERM (graceful), then SIGKILL if it lingers."""
        if self.proc is None or self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.kill()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
