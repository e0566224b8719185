"""recotrack side by side with Datasette on the same SQLite file, plus PostgreSQL with 4 workers.

    make bench                      # 10k, 200k and 1M rows, writes bench/RESULTS.md
    .venv/bin/python bench/run.py --quick    # without the 1M-row run
    .venv/bin/python bench/run.py --report-only  # RESULTS.md again from bench/data/results.json
    .venv/bin/python bench/run.py --profile  # also a py-spy profile of list and search

Everything listens on 127.0.0.1. Load comes from wrk (Debian's package; installed with apt-get
when missing and run as root), one short run per point, every point three times, medians
reported. Datasette and py-spy go into bench/.venv, never into the project's dependencies.
"""

import argparse
import hashlib
import json
import os
import random
import re
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import datasette, generate  # noqa: E402
from tests import pgserver  # noqa: E402

BENCH = ROOT / "bench"
DATA = BENCH / "data"
BENCH_VENV = BENCH / ".venv"
RESULTS = BENCH / "RESULTS.md"
PY = ROOT / ".venv" / "bin" / "python"
RECOTRACK = ROOT / ".venv" / "bin" / "recotrack"
REPEATS = 3
SECONDS = 3  # per wrk run
SEARCH_WORD = "ceasefire"
STATUS = "in_progress"
WRITE_STATUS = "in_progress"


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ensure_tools() -> None:
    """wrk from Debian, Datasette and py-spy in bench/.venv."""
    if shutil.which("wrk") is None:
        if os.geteuid() != 0:
            sys.exit("wrk is missing: apt-get install wrk")
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True)
    if not (BENCH_VENV / "bin" / "datasette").exists():
        subprocess.run([sys.executable, "-m", "venv", str(BENCH_VENV)], check=True)
        pip = [str(BENCH_VENV / "bin" / "pip"), "install", "-q"]
        subprocess.run([*pip, "datasette", "py-spy"], check=True)


# ---- data -------------------------------------------------------------------------------


def dataset(size: int) -> Path:
    """The synthetic NDJSON file for a size (generated once; the same bytes every time)."""
    path = DATA / f"synthetic-{size}.ndjson"
    if not path.exists():
        log(f"generating {size:,} recommendations")
        tmp = path.with_suffix(".tmp")
        with tmp.open("w", encoding="utf-8") as out:
            out.writelines(generate.lines(size))
        tmp.rename(path)
    return path


def load(url: str, path: Path) -> dict:
    """Migrate and bulk-load through `recotrack load`; returns its rate."""
    env = os.environ | {"RECOTRACK_DATABASE_URL": url}
    subprocess.run([str(RECOTRACK), "db", "upgrade"], env=env, check=True, capture_output=True)
    started = time.perf_counter()
    done = subprocess.run(
        [str(RECOTRACK), "load", str(path)], env=env, check=True, capture_output=True, text=True
    )
    seconds = time.perf_counter() - started
    found = re.search(
        r"loaded (\d+) recommendations.* in ([\d.]+) s \(([\d,]+) recommendations/s\)",
        done.stdout,
    )
    # The rate as the load prints it: the seconds it prints are rounded to a tenth.
    rows, inner, rate = int(found[1]), float(found[2]), int(found[3].replace(",", ""))
    log(done.stdout.strip())
    return {"rows": rows, "seconds": inner, "rate": rate, "wall": seconds}


def sqlite_db(size: int, repeats: int = 1) -> tuple[Path, dict]:
    """A fresh SQLite database of `size` rows; loaded `repeats` times, the median rate."""
    path = DATA / f"bench-{size}.db"
    rates = []
    for _ in range(repeats):
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        rates.append(load(f"sqlite:///{path}", dataset(size)))
    rate = sorted(rates, key=lambda r: r["rate"])[len(rates) // 2]
    # A checkpoint, so both servers start from the same main file and an empty WAL.
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.execute("ANALYZE")
    return path, rate


def pick(path: Path) -> dict:
    """Request parameters: the second most addressed actor, and valid ids."""
    with sqlite3.connect(path) as conn:
        (actor_id, name), *_ = conn.execute(
            "SELECT a.id, a.name FROM recommendation_actors ra JOIN actors a ON a.id = ra.actor_id"
            " GROUP BY a.id ORDER BY count(*) DESC LIMIT 1 OFFSET 1"
        ).fetchall()
        top = conn.execute("SELECT max(id) FROM recommendations").fetchone()[0]
    return {"actor_id": actor_id, "actor": name, "max_id": top}


# ---- servers ----------------------------------------------------------------------------


@dataclass
class Proc:
    name: str
    command: list[str]
    env: dict = field(default_factory=dict)
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen | None = None
    ready_s: float = 0.0
    first_ms: float = 0.0

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, probe: str, first: str) -> "Proc":
        log_file = (DATA / f"{self.name}.log").open("w")
        started = time.perf_counter()
        self.proc = subprocess.Popen(
            self.command,
            cwd=ROOT,
            env=os.environ | self.env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = started + 60
        while time.perf_counter() < deadline:
            try:
                if httpx.get(self.base + probe, timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.02)
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited: {(DATA / f'{self.name}.log').read_text()}")
        else:
            raise RuntimeError(f"{self.name} not ready in 60 s")
        self.ready_s = time.perf_counter() - started
        t = time.perf_counter()
        response = httpx.get(self.base + first, timeout=30)
        self.first_ms = (time.perf_counter() - t) * 1000
        response.raise_for_status()
        return self

    def pids(self) -> list[int]:
        """The server and its worker processes."""
        if self.proc is None:
            return []
        found = [self.proc.pid]
        children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children")
        if children.exists():
            found += [int(p) for p in children.read_text().split()]
        return found

    def peak_rss_mb(self) -> float:
        """The largest peak RSS (VmHWM) of the server or any one worker."""
        peaks = []
        for pid in self.pids():
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            found = re.search(r"VmHWM:\s+(\d+) kB", status)
            if found:
                peaks.append(int(found[1]) / 1024)
        return max(peaks, default=0.0)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=20)


def recotrack(url: str, workers: int = 1) -> Proc:
    # As `make run` serves it: `recotrack serve` with its defaults (request log on).
    command = [str(RECOTRACK), "serve", "--host", "127.0.0.1", "--workers", str(workers)]
    proc = Proc(f"recotrack-{workers}w", command, {"RECOTRACK_DATABASE_URL": url})
    proc.command += ["--port", str(proc.port)]
    return proc


def datasette_proc(path: Path) -> Proc:
    meta = DATA / "datasette-metadata.json"
    meta.write_text(json.dumps(datasette.metadata(path.stem)))
    command = [str(BENCH_VENV / "bin" / "datasette"), "serve", str(path), "-h", "127.0.0.1"]
    command += ["--metadata", str(meta), "--setting", "sql_time_limit_ms", "20000"]
    proc = Proc("datasette", command)
    proc.command += ["-p", str(proc.port)]
    return proc


# ---- load generation --------------------------------------------------------------------

LUA = """
math.randomseed(6)
local paths = {%(paths)s}
local method, body, headers = "%(method)s", %(body)s, {}
%(headers)s
request = function()
  return wrk.format(method, paths[math.random(#paths)], headers, body)
end
"""


def _lua(paths: list[str], method: str = "GET", body: str | None = None, key: str = "") -> Path:
    headers = ""
    if key:
        headers = f'headers["Authorization"] = "Bearer {key}"\n'
        headers += 'headers["Content-Type"] = "application/json"'
    script = LUA % {
        "paths": ", ".join(json.dumps(p) for p in paths),
        "method": method,
        "body": json.dumps(body) if body else "nil",
        "headers": headers,
    }
    # Named by content, so a rerun overwrites its scripts instead of adding new ones.
    path = DATA / f"wrk-{hashlib.sha1(script.encode()).hexdigest()[:16]}.lua"
    path.write_text(script)
    return path


def _ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def wrk(base: str, script: Path, concurrency: int, seconds: float = SECONDS) -> dict:
    """One bounded wrk run: req/s, p50, p99 and the number of non-2xx answers."""
    command = ["wrk", "-t", str(min(concurrency, 2)), "-c", str(concurrency)]
    command += ["-d", f"{seconds}s", "--timeout", "30s", "--latency", "-s", str(script), base]
    out = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60).stdout
    found = {p: _ms(v) for p, v in re.findall(r"^\s+(50|99)%\s+(\S+)\s*$", out, re.M)}
    if "50" not in found:
        raise RuntimeError(f"wrk gave no latencies:\n{out}")
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1]),
        "p50": found["50"],
        "p99": found["99"],
        "errors": int(errors[1]) if errors else 0,
    }


def point(base: str, script: Path, concurrency: int) -> dict:
    """Medians of REPEATS runs, after a one-second warm-up."""
    wrk(base, script, concurrency, 1)
    runs = [wrk(base, script, concurrency) for _ in range(REPEATS)]
    return {k: statistics.median(r[k] for r in runs) for k in runs[0]} | {
        "errors": sum(r["errors"] for r in runs)
    }


def recotrack_scripts(p: dict, key: str | None) -> dict[str, Path]:
    rng = random.Random(6)
    ids = [rng.randint(1, p["max_id"]) for _ in range(200)]
    actor = httpx.QueryParams({"actor": p["actor"]})
    scripts = {
        "list": _lua([f"/api/v1/recommendations?status={STATUS}&{actor}&sort=-published_on"]),
        "search": _lua([f"/api/v1/recommendations?q={SEARCH_WORD}&sort=-published_on"]),
        # by id before stats: a server still busy with queued stats (Datasette at c=16) would
        # otherwise answer nothing in the by-id runs.
        "by_id": _lua([f"/api/v1/recommendations/{i}" for i in ids]),
        "stats": _lua(["/api/v1/stats?by=actor"]),
    }
    if key:
        body = json.dumps({"status": WRITE_STATUS, "as_of": "2024-01-01", "note": "bench"})
        paths = [f"/api/v1/recommendations/{i}/status" for i in ids]
        scripts["write"] = _lua(paths, "POST", body, key)
    return scripts


def datasette_scripts(db: str, p: dict) -> dict[str, Path]:
    rng = random.Random(6)
    ids = [rng.randint(1, p["max_id"]) for _ in range(200)]
    q = f"/{db}/list.json?_shape=array&status={STATUS}&actor={p['actor_id']}"
    return {
        "list": _lua([q]),
        "search": _lua([f"/{db}/search.json?_shape=array&q={SEARCH_WORD}"]),
        "by_id": _lua([f"/{db}/by_id.json?_shape=array&id={i}" for i in ids]),
        "stats": _lua([f"/{db}/stats.json?_shape=array"]),
    }


def admin_key(url: str) -> str:
    env = os.environ | {"RECOTRACK_DATABASE_URL": url}
    name = f"bench-{int(time.time())}"
    done = subprocess.run(
        [str(RECOTRACK), "keys", "create", "--name", name, "--role", "analyst"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout.strip().splitlines()[-1]


def drive(proc: Proc, scripts: dict[str, Path], levels=(1, 16)) -> dict:
    results = {}
    for name, script in scripts.items():
        for c in levels:
            results[(name, c)] = point(proc.base, script, c)
            r = results[(name, c)]
            log(
                f"{proc.name} {name} c={c}: {r['rps']:.0f} req/s p50 {r['p50']:.1f} ms "
                f"p99 {r['p99']:.1f} ms errors {r['errors']}"
            )
    return results


# ---- the physical floor -----------------------------------------------------------------


def floor(path: Path, p: dict, seconds: float = 2.0) -> dict:
    """The same SQL through sqlite3 in a loop (one connection, c=1): ms per query, median."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    params = {
        "list": {"status": STATUS, "actor": p["actor_id"]},
        "search": {"q": SEARCH_WORD},
        "stats": {},
        "by_id": {"id": 1},
    }
    found = {}
    for name, sql in datasette.CANNED.items():
        times = []
        deadline = time.perf_counter() + seconds
        while time.perf_counter() < deadline and len(times) < 10_000:
            args = params[name] | (
                {"id": random.randint(1, p["max_id"])} if name == "by_id" else {}
            )
            t = time.perf_counter()
            conn.execute(sql, args).fetchall()
            times.append((time.perf_counter() - t) * 1000)
        found[name] = statistics.median(times)
    conn.close()
    return found


def profile(proc: Proc, script: Path, seconds: int = 10) -> list[tuple[str, float]]:
    """py-spy samples of the server under c=16 load: the functions that take the most time."""
    raw = DATA / f"profile-{script.stem}.txt"
    spy = subprocess.Popen(
        [
            str(BENCH_VENV / "bin" / "py-spy"),
            "record",
            "-p",
            str(proc.proc.pid),
            "-d",
            str(seconds),
            "-f",
            "raw",
            "-o",
            str(raw),
            "--nonblocking",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(1)
    wrk(proc.base, script, 16, seconds - 2)
    spy.wait(timeout=60)
    own: dict[str, int] = {}
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        frames = stack.split(";")
        total += int(count)
        # Attribute to the innermost frame of our code, the driver or the framework.
        for frame in reversed(frames):
            if any(
                k in frame
                for k in (
                    "app/",
                    "sqlalchemy",
                    "sqlite3",
                    "pydantic",
                    "starlette",
                    "fastapi",
                    "json",
                    "psycopg",
                )
            ):
                own[frame] = own.get(frame, 0) + int(count)
                break
        else:
            own[frames[-1]] = own.get(frames[-1], 0) + int(count)
    return [(k, v / total) for k, v in sorted(own.items(), key=lambda kv: -kv[1])[:12]]


# ---- the run ----------------------------------------------------------------------------

ENDPOINTS = ("list", "search", "stats", "by_id", "write")
TITLES = {
    "list": "list: status + actor, newest first, 50",
    "search": f"search `{SEARCH_WORD}`, newest first, 50",
    "stats": "stats?by=actor",
    "by_id": "one recommendation by id",
    "write": "status write",
}


def _cell(r: dict | None) -> str:
    if r is None:
        return "-"
    return f"{r['rps']:.0f} req/s, p50 {r['p50']:.1f} / p99 {r['p99']:.1f} ms"


def comparison_table(ours: dict, theirs: dict, floor_ms: dict) -> list[str]:
    rows = [
        "| query | c | recotrack | Datasette | ratio (req/s) | p99/p50 | sqlite3 floor |",
        "|---|---|---|---|---|---|---|",
    ]
    for name in ENDPOINTS:
        for c in (1, 16):
            mine, other = ours.get((name, c)), theirs.get((name, c))
            if mine is None:
                continue
            ratio = f"{mine['rps'] / other['rps']:.2f}x" if other and other["rps"] else "-"
            spread = f"{mine['p99'] / mine['p50']:.1f}" if mine["p50"] else "-"
            base = f"{floor_ms[name]:.2f} ms" if name in floor_ms and c == 1 else ""
            rows.append(
                f"| {TITLES[name]} | {c} | {_cell(mine)} | {_cell(other)} | {ratio} | {spread}"
                f" | {base} |"
            )
    return rows


def single_table(results: dict, floor_ms: dict | None = None) -> list[str]:
    rows = ["| query | c | recotrack | p99/p50 | floor |", "|---|---|---|---|---|"]
    for (name, c), r in results.items():
        base = f"{floor_ms[name]:.2f} ms" if floor_ms and name in floor_ms and c == 1 else ""
        spread = r["p99"] / r["p50"] if r["p50"] else 0.0
        rows.append(f"| {TITLES[name]} | {c} | {_cell(r)} | {spread:.1f} | {base} |")
    return rows


def sqlite_run(size: int, with_datasette: bool, levels, args) -> dict:
    # The load target is at 200k rows: that load is timed REPEATS times, the median reported.
    path, rate = sqlite_db(size, REPEATS if size == 200_000 else 1)
    params = pick(path)
    url = f"sqlite:///{path}"
    floor_ms = floor(path, params)
    log(f"floor at {size:,}: " + ", ".join(f"{k} {v:.2f} ms" for k, v in floor_ms.items()))
    key = admin_key(url)
    ours = recotrack(url).start("/readyz", "/api/v1/recommendations?limit=50")
    theirs = None
    try:
        scripts = recotrack_scripts(params, key)
        write = scripts.pop("write")
        mine = drive(ours, scripts, levels)
        profiles = {}
        if args.profile:
            profiles = {n: profile(ours, scripts[n]) for n in ("list", "search")}
        info = {"recotrack": (ours.ready_s, ours.first_ms, ours.peak_rss_mb())}
        other = {}
        if with_datasette:
            theirs = datasette_proc(path).start("/-/versions.json", f"/{path.stem}.json")
            other = drive(theirs, datasette_scripts(path.stem, params), levels)
            info["Datasette"] = (theirs.ready_s, theirs.first_ms, theirs.peak_rss_mb())
        mine |= drive(ours, {"write": write}, levels)
        info["recotrack"] = info["recotrack"][:2] + (ours.peak_rss_mb(),)
        log(f"ready / first request / peak RSS: {info}")
    finally:
        ours.stop()
        if theirs is not None:
            theirs.stop()
    return {
        "size": size,
        "rate": rate,
        "params": params,
        "floor": floor_ms,
        "ours": mine,
        "theirs": other,
        "info": info,
        "profiles": profiles,
    }


def postgres_run(size: int) -> dict | None:
    # Durable, as in production, with shared_buffers that hold the 200k-row tables (PostgreSQL's
    # default of 128 MB does not: each search count re-read them from the OS cache, 82 vs 50 ms).
    server = pgserver.start_server(
        fsync="on", synchronous_commit="on", full_page_writes="on", shared_buffers="512MB"
    )
    if server is None:
        log("PostgreSQL binaries not found: PostgreSQL run skipped")
        return None
    try:
        url = server.url
        rate = load(url, dataset(size))
        path = DATA / f"bench-{size}.db"
        params = pick(path)  # same data, same ids: the SQLite copy names the actor and ids
        key = admin_key(url)
        ours = recotrack(url, workers=4).start("/readyz", "/api/v1/recommendations?limit=50")
        try:
            results = drive(ours, recotrack_scripts(params, key))
            info = (ours.ready_s, ours.first_ms, ours.peak_rss_mb())
        finally:
            ours.stop()
        return {"size": size, "rate": rate, "ours": results, "info": info}
    finally:
        server.stop()


def _verdict(ok: bool) -> str:
    return "met" if ok else "**missed**"


def targets(runs: list[dict], loads: dict) -> list[str]:
    """The issue's targets, checked against this run's medians."""
    rows = ["| target | measured | |", "|---|---|---|"]
    load = loads.get("SQLite, 200k")
    if load:
        rate = load["rate"]
        rows.append(
            f"| bulk load >= 20,000/s (SQLite, 200k) | {rate:,.0f}/s | {_verdict(rate >= 20_000)} |"
        )
    for run in runs:
        ours, theirs, size = run["ours"], run["theirs"], run["size"]
        if theirs:
            for name in ("list", "search"):
                for c in (1, 16):
                    mine, other = ours.get((name, c)), theirs.get((name, c))
                    if mine and other and other["rps"]:
                        ratio = mine["rps"] / other["rps"]
                        rows.append(
                            f"| {name} c={c}: req/s >= 1.5x Datasette ({size:,}) | {ratio:.2f}x"
                            f" | {_verdict(ratio >= 1.5)} |"
                        )
                for c in (1, 16):
                    mine = ours.get((name, c))
                    if mine and mine["p50"]:
                        spread = mine["p99"] / mine["p50"]
                        rows.append(
                            f"| {name} c={c}: p99 < 4x p50 ({size:,}) | {spread:.1f}x"
                            f" | {_verdict(spread < 4)} |"
                        )
        if size >= 1_000_000:
            for name, limit in (("list", 10), ("search", 25), ("stats", 200)):
                mine = ours.get((name, 1))
                if mine:
                    rows.append(
                        f"| {name} p50 < {limit} ms at c=1 ({size:,}) | {mine['p50']:.1f} ms"
                        f" | {_verdict(mine['p50'] < limit)} |"
                    )
            rss = run["info"]["recotrack"][2]
            rows.append(
                f"| one worker < 150 MB peak RSS ({size:,}) | {rss:.0f} MB"
                f" | {_verdict(rss < 150)} |"
            )
    return rows


def report(
    runs: list[dict], pg: dict | None, loads: dict, minutes: float | None, ended: float
) -> str:
    took = f"whole run {minutes:.1f} min" if minutes else "whole-run time not recorded"
    lines = [
        "# Benchmark results",
        "",
        "Written by `python bench/run.py` (do not edit by hand); run ended "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime(ended))}, "
        f"{os.cpu_count()} cores, {took}. "
        f"Medians of {REPEATS} wrk runs of {SECONDS} s each (after a 1 s warm-up); "
        "p50/p99 in ms; the floor is the same SQL through `sqlite3` in a loop (c=1, median).",
        "",
        "## Bulk load (`recotrack load`)",
        "",
        f"Into an empty database; SQLite at 200k is the median of {REPEATS} loads, the others one.",
        "",
        "| database | recommendations | seconds | recommendations/s |",
        "|---|---|---|---|",
    ]
    for label, r in loads.items():
        lines.append(f"| {label} | {r['rows']:,} | {r['seconds']:.1f} | {r['rate']:,.0f} |")
    lines += ["", "## Targets", ""] + targets(runs, loads)
    for run in runs:
        p = run["params"]
        lines += ["", f"## SQLite, {run['size']:,} recommendations, one worker", ""]
        lines.append(f"Actor `{p['actor']}` (the second most addressed), status `{STATUS}`.")
        lines.append("")
        if run["theirs"]:
            lines += comparison_table(run["ours"], run["theirs"], run["floor"])
        else:
            lines += single_table(run["ours"], run["floor"])
        lines += ["", "| server | time to ready | first request | peak RSS |", "|---|---|---|---|"]
        for name, (ready, first, rss) in run["info"].items():
            lines.append(f"| {name} | {ready:.2f} s | {first:.1f} ms | {rss:.0f} MB |")
        for name, top in run["profiles"].items():
            lines += ["", f"py-spy, {name} at c=16 (share of samples, innermost frame):", ""]
            lines += [f"- {share:.0%} `{frame}`" for frame, share in top]
    if pg is not None:
        lines += ["", f"## PostgreSQL, {pg['size']:,} recommendations, 4 workers", ""]
        lines += single_table(pg["ours"])
        ready, first, rss = pg["info"]
        lines += [
            "",
            f"Time to ready {ready:.2f} s, first request {first:.1f} ms, "
            f"peak RSS of the largest worker {rss:.0f} MB.",
        ]
    return "\n".join(lines) + "\n"


def _plain(value):
    """JSON-ready: (query, concurrency) keys become "query@c"."""
    if isinstance(value, dict):
        return {
            "@".join(map(str, k)) if isinstance(k, tuple) else k: _plain(v)
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _keyed(value: dict) -> dict:
    """results.json's "query@c" keys back to (query, c)."""
    return {(k.split("@")[0], int(k.split("@")[1])): v for k, v in value.items()}


def rewrite_report() -> None:
    """RESULTS.md again from bench/data/results.json (the last run's raw figures)."""
    raw = json.loads((DATA / "results.json").read_text())
    runs = raw["runs"]
    for run in runs:
        run["ours"], run["theirs"] = _keyed(run["ours"]), _keyed(run["theirs"] or {})
    pg = raw["pg"]
    if pg is not None:
        pg["ours"] = _keyed(pg["ours"])
    ended = (DATA / "results.json").stat().st_mtime
    RESULTS.write_text(report(runs, pg, raw["loads"], raw.get("minutes"), ended))
    log(f"wrote {RESULTS.relative_to(ROOT)} from {DATA / 'results.json'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="skip the 1M-row run")
    parser.add_argument("--profile", action="store_true", help="py-spy the list and search")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument(
        "--report-only", action="store_true", help="rewrite RESULTS.md from the last results.json"
    )
    args = parser.parse_args()
    if args.report_only:
        rewrite_report()
        return
    started = time.perf_counter()
    ensure_tools()
    DATA.mkdir(parents=True, exist_ok=True)
    loads = {}
    path, loads["SQLite, 10k"] = sqlite_db(10_000)
    runs = [sqlite_run(200_000, True, (1, 16), args)]
    loads["SQLite, 200k"] = runs[0]["rate"]
    if not args.quick:
        runs.append(sqlite_run(1_000_000, False, (1, 16), args))
        loads["SQLite, 1M"] = runs[1]["rate"]
    pg = None if args.no_postgres else postgres_run(200_000)
    if pg is not None:
        loads["PostgreSQL, 200k"] = pg["rate"]
    minutes = (time.perf_counter() - started) / 60
    raw = _plain({"runs": runs, "pg": pg, "loads": loads, "minutes": minutes})
    (DATA / "results.json").write_text(json.dumps(raw, default=str, indent=1))
    text = report(runs, pg, loads, minutes, time.time())
    RESULTS.write_text(text)
    print(text)
    log(f"wrote {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
