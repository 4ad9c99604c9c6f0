"""`make bench`: load the portal under gunicorn with wrk and report each endpoint as a ratio to a bare
Flask "hello" app measured in the same run, on PostgreSQL and SQLite.

Environment: BENCH_SIZE (small|medium|large, default medium), BENCH_DBS (default "postgres sqlite"),
BENCH_SECONDS per endpoint and round (default 8), BENCH_ROUNDS (default 3), BENCH_CONNECTIONS (default 8),
BENCH_PG (maintenance URL, default postgresql://postgres@127.0.0.1:5432/postgres), BENCH_REDIS (default
redis://127.0.0.1:6379/14: rate limits and the page cache, as in production).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from http.cookiejar import CookieJar
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.reliability.servers import Gunicorn  # noqa: E402

BENCH = ROOT / "bench"
RESULTS = BENCH / "results"
SIZE = os.environ.get("BENCH_SIZE", "medium")
DBS = os.environ.get("BENCH_DBS", "postgres sqlite").split()
SECONDS = int(os.environ.get("BENCH_SECONDS", "8"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "8"))
# For a quick look while profiling: only these scenarios (names separated by "|"). Such a run is kept in
# bench/results/ but does not replace the latest full results in bench/README.md.
ONLY = {name.strip() for name in os.environ.get("BENCH_ONLY", "").split("|") if name.strip()}
PG_ADMIN = os.environ.get("BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS = os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6379/14")
SEED = 7
PASSWORD = "Punjab-demo-2026"
WORKERS = str((os.cpu_count() or 1) * 2 + 1)


@dataclass
class Scenario:
    name: str
    kind: str  # "get" or "flow"
    env: dict = field(default_factory=dict)
    target: str = "read"  # read | write | dashboard (which target applies)
    # Run before each round of this scenario (the flows: undo the journeys the last round cut short).
    prepare: Callable[[], None] | None = None


def log(message: str) -> None:
    print(message, flush=True)


def flask(database_url: str, *args: str) -> None:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "FLASK_APP": "wsgi",
        "PORTAL_ENV": "development",
        "PYTHONWARNINGS": "ignore",
    }
    subprocess.run([str(Path(sys.executable).parent / "flask"), *args], cwd=ROOT, env=env, check=True)


def analyze(url: str) -> None:
    """VACUUM ANALYZE, as autovacuum would have done by the time a real database is this big: a bulk-loaded
    table keeps the estimates of an empty one (seen: 13,644 dependants estimated for 78,925, and hash joins
    over all of them), and without a visibility map no index-only scan (seen: the dashboard's covering
    index ignored for a sequential scan of a million appointments)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(re.sub(r"^postgresql://", "postgresql+psycopg://", url))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        # VACUUM too: until the visibility map is set, PostgreSQL cannot answer from an index alone.
        conn.execute(text("VACUUM ANALYZE" if engine.dialect.name == "postgresql" else "ANALYZE"))
    engine.dispose()


def prepare_database(kind: str, size: str = SIZE) -> str:
    """A migrated, seeded database for this size; reused when an earlier run already made it."""
    if kind == "postgres":
        import psycopg

        name = f"portal_bench_{size}"
        url = PG_ADMIN.rsplit("/", 1)[0] + "/" + name
        with psycopg.connect(PG_ADMIN.replace("+psycopg", ""), autocommit=True) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
            marker = BENCH / f".prepared-{kind}-{size}"
            if exists and marker.exists() and marker.read_text() == _fingerprint():
                flask(url, "db", "upgrade")  # a new migration (an index) applies without seeding again
                return url
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
    else:
        path = BENCH / f".bench-{size}.db"
        url = f"sqlite:///{path}"
        marker = BENCH / f".prepared-{kind}-{size}"
        if path.exists() and marker.exists() and marker.read_text() == _fingerprint():
            flask(url, "db", "upgrade")
            return url
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
    log(f"== preparing {kind} database ({size} dataset)")
    started = time.monotonic()
    flask(url, "db", "upgrade")
    flask(url, "seed-demo", "--size", size, "--seed", str(SEED))
    log(f"   prepared in {time.monotonic() - started:.0f} s")
    marker.write_text(_fingerprint())
    return url


def _fingerprint() -> str:
    """What the seeded data depends on: the seed code and the seed (migrations are applied on reuse)."""
    seed_code = "".join(sorted(p.read_text() for p in (ROOT / "portal" / "demo").glob("*.py")))
    import hashlib

    return hashlib.sha256((seed_code + str(SEED)).encode()).hexdigest()


# The browser every signed-in scenario is: the sign-in here and wrk's requests (bench/lua/*.lua, which
# read BENCH_USER_AGENT) send the same User-Agent, as one browser does. Strong session protection binds
# a session to its browser: a sign-in made as "Python-urllib" and replayed by wrk (which sends none)
# was a stranger's copy, wiped, and every "signed-in" request was a cheap redirect to the sign-in page.
USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64) portal-bench"
os.environ["BENCH_USER_AGENT"] = USER_AGENT


def sign_in(base: str, identifier: str) -> str:
    """Sign in through the real form; returns the Cookie header for wrk, checked to open the person's
    own page (not a redirect to the sign-in page) as wrk will send it."""
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.addheaders = [("User-Agent", USER_AGENT)]
    html = opener.open(base + "/login").read().decode()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    data = urllib.parse.urlencode({"identifier": identifier, "password": PASSWORD, "csrf_token": token})
    opener.open(base + "/login", data=data.encode()).read()
    cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
    assert "session=" in cookie, f"could not sign in as {identifier}"
    check = urllib.request.Request(base + "/account", headers={"Cookie": cookie, "User-Agent": USER_AGENT})
    with urllib.request.build_opener(_NoRedirect).open(check, timeout=60) as response:
        assert response.status == 200, f"the sign-in of {identifier} does not open /account ({response.status})"
    return cookie


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # a redirect is an answer here, not a step
        return None


class Refresher:
    """`flask dashboard refresh --every 10` beside the portal, as production runs it (see README.md): the
    officials' figures are recomputed in this process, on the same two cores, at its own pace."""

    def __init__(self, env: dict):
        self.env = env
        self.process: subprocess.Popen | None = None
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 - closed in __exit__

    def __enter__(self) -> Refresher:
        flask_bin = str(Path(sys.executable).parent / "flask")
        self.process = subprocess.Popen(
            [flask_bin, "--app", "wsgi", "dashboard", "refresh", "--every", "10"],
            cwd=ROOT,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        return self

    def __exit__(self, *exc) -> None:
        early = self.process.poll() is not None
        if not early:
            self.process.terminate()
            self.process.wait(timeout=30)
        self.log.seek(0)
        output = self.log.read().decode(errors="replace")
        self.log.close()
        passes = [line for line in output.splitlines() if " refreshed " in line]
        log(f"   dashboard refresher: {len(passes)} passes recomputed figures; last: {passes[-1] if passes else '-'}")
        if early:
            raise RuntimeError(f"the dashboard refresher exited early: {output[-2000:]}")


def warm(base: str, scenario: Scenario) -> None:
    """One request to each page before the rounds: what is measured is the portal in use (the
    officials' figures computed, the shared pages stored), not its first request after a restart.
    From then on the refresher keeps the figures the dashboard pages asked for fresh."""
    if scenario.kind != "get":
        return
    headers = {"Cookie": scenario.env["COOKIE"]} if scenario.env.get("COOKIE") else {}
    for path in scenario.env["PATHS"].split(","):
        with urllib.request.urlopen(urllib.request.Request(base + path, headers=headers), timeout=300) as response:
            response.read()


def run_wrk(base: str, scenario: Scenario, confirm_dir: str | None = None) -> dict:
    script = (BENCH / "lua" / ("get.lua" if scenario.kind == "get" else "flow.lua")).read_text()
    script += "\n" + (BENCH / "lua" / "report.lua").read_text()
    threads = CONNECTIONS if scenario.kind == "flow" else 2
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script)
    env = {**os.environ, **scenario.env, "THREADS": str(threads)}
    if confirm_dir:
        env["CONFIRM_DIR"] = confirm_dir
    command = [
        "wrk",
        "-t",
        str(threads),
        "-c",
        str(CONNECTIONS),
        "-d",
        f"{SECONDS}s",
        "--timeout",
        "10s",
        "-s",
        handle.name,
        base,
    ]
    output = subprocess.run(command, env=env, capture_output=True, text=True, timeout=SECONDS + 60).stdout
    os.unlink(handle.name)
    line = next((ln for ln in output.splitlines() if ln.startswith("WRK_JSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no result for {scenario.name}:\n{output[-2000:]}")
    return json.loads(line[len("WRK_JSON ") :])


def main() -> int:
    if not shutil.which("wrk"):
        log("wrk is not installed: apt-get install wrk (make bench does this)")
        return 2
    from bench.scenarios import build_scenarios, check_invariants

    try:
        import redis

        redis.Redis.from_url(REDIS).ping()
    except Exception as exc:  # noqa: BLE001 - any failure means the same: no Redis to run against
        log(f"Redis at {REDIS} does not answer ({exc}); set BENCH_REDIS or start redis-server")
        return 2
    RESULTS.mkdir(exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    all_rows, failures = [], []
    for kind in DBS:
        url = prepare_database(kind)
        analyze(url)
        # The scale target compares p95 on `large` with `small`: both are measured in every round, the
        # small portal's pages at the end of the round, so that the machine's own drift between runs (its ceiling moved
        # from 4,250 to 3,060 req/s between two runs of one morning) is not read as a cost of size.
        small_url = prepare_database(kind, "small") if SIZE == "large" else None
        if small_url:
            analyze(small_url)
        env = {
            "SECRET_KEY": "b" * 64,
            # As in production: rate limits and the shared page cache in Redis.
            "RATELIMIT_STORAGE_URI": REDIS,
            "CACHE_KEY_PREFIX": f"bench-{stamp}-{kind}:",
            "LOGIN_RATE_LIMIT_IP": "100000 per minute",
            "LOGIN_RATE_LIMIT_ACCOUNT": "100000 per minute",
            "SESSION_COOKIE_SECURE": "0",
            "DEMO_MODE": "0",
            "GUNICORN_ACCESS_LOG": "/dev/null",
        }
        confirm_dir = tempfile.mkdtemp(prefix="bench-confirm-")
        with (
            Gunicorn(url, workers=int(WORKERS), env=env, config="production") as portal,
            Gunicorn(url, workers=int(WORKERS), env=env, config="production", app_module="bench.hello:app") as hello,
            Refresher(portal.env),
            contextlib.ExitStack() as beside,
        ):
            scenarios = build_scenarios(url, portal.url, sign_in)
            if ONLY:
                scenarios = [s for s in scenarios if s.name in ONLY]
            for scenario in scenarios:
                warm(portal.url, scenario)
            small_scenarios, small = [], None
            if small_url:
                small_env = {**env, "CACHE_KEY_PREFIX": f"bench-{stamp}-{kind}-small:"}  # its own stored pages
                small = beside.enter_context(
                    Gunicorn(small_url, workers=int(WORKERS), env=small_env, config="production")
                )
                small_scenarios = [
                    s
                    for s in build_scenarios(small_url, small.url, sign_in)
                    if s.name in SCALE_PAGES and (not ONLY or s.name in ONLY)
                ]
                for scenario in small_scenarios:
                    warm(small.url, scenario)
            per_round: dict[str, list[dict]] = {}
            for round_no in range(1, ROUNDS + 1):
                ceiling = run_wrk(hello.url, Scenario("bare Flask hello", "get", {"PATHS": "/"}))
                per_round.setdefault("bare Flask hello", []).append({**ceiling, "ratio": 1.0})
                log(f"[{kind} round {round_no}] ceiling {ceiling['rps']:.0f} req/s")
                for scenario in scenarios:
                    if scenario.prepare:
                        scenario.prepare()
                    result = run_wrk(portal.url, scenario, confirm_dir if scenario.kind == "flow" else None)
                    result["ratio"] = result["rps"] / ceiling["rps"] if ceiling["rps"] else 0.0
                    per_round.setdefault(scenario.name, []).append(result)
                    if not result["requests"]:  # wrk counts no error when nothing ever answered
                        failures.append(f"{kind}: {scenario.name} completed no request in round {round_no}")
                    elif scenario.kind == "flow" and not result.get("confirmed"):
                        # Requests that never reach a confirmation (sent back to the sign-in page, a
                        # form refused) are cheap: their rate is no measure of the flow.
                        failures.append(f"{kind}: {scenario.name} served no confirmation page in round {round_no}")
                    log(
                        f"   {scenario.name:<28} {result['rps']:8.1f} req/s  p95 {result['p95_ms']:7.1f} ms  "
                        f"ratio {result['ratio']:.2f}  errors {result['errors']}"
                    )
                for scenario in small_scenarios:
                    label = scenario.name + SMALL_SUFFIX
                    result = run_wrk(small.url, scenario)
                    result["ratio"] = result["rps"] / ceiling["rps"] if ceiling["rps"] else 0.0
                    per_round.setdefault(label, []).append(result)
                    if not result["requests"]:
                        failures.append(f"{kind}: {label} completed no request in round {round_no}")
                    log(f"   {label:<28} {result['rps']:8.1f} req/s  p95 {result['p95_ms']:7.1f} ms")
            if any(r["errors"] for results in per_round.values() for r in results):  # 5xx among them
                # What the portal's workers said about their errors, kept beside the results.
                RESULTS.joinpath(f"{stamp}-{SIZE}-{kind}-server.log").write_text(portal.errors()[-200_000:])
                log(f"   errors: the portal's log is in bench/results/{stamp}-{SIZE}-{kind}-server.log")
        problems = check_invariants(url, confirm_dir)
        failures += [f"{kind}: {p}" for p in problems]
        for name, results in per_round.items():
            all_rows.append(
                {
                    "db": kind,
                    "endpoint": name,
                    **{
                        k: statistics.median(r[k] for r in results)
                        for k in ("rps", "p50_ms", "p95_ms", "p99_ms", "ratio")
                    },
                    "errors": sum(r["errors"] for r in results),
                    "server_errors": sum(r.get("server_errors", 0) for r in results),
                    "confirmed": sum(r.get("confirmed", 0) for r in results),
                    **scale_factor(name, per_round),
                }
            )
    verdicts = evaluate_targets(all_rows, failures)
    table = render_table(all_rows, failures) + "\n" + render_targets(verdicts)
    print("\n" + table)
    name = f"{stamp}-{SIZE}" + ("-partial" if ONLY else "")
    (RESULTS / f"{name}.json").write_text(json.dumps(all_rows, indent=2))
    (RESULTS / f"{name}.md").write_text(table)
    if not ONLY:
        update_readme(table)
    return 1 if failures else 0


READ_PAGES = ("home", "availability", "course search")
WRITE_FLOWS = ("booking flow", "enrolment flow")
SCALE_PAGES = ("availability", "my appointments", "course search")


SMALL_SUFFIX = ", small dataset"


def scale_factor(name: str, per_round: dict[str, list[dict]]) -> dict:
    """For a scale page on `large`: the median over the rounds of its p95 ÷ the same page's p95 on
    `small`, measured at the end of the same round."""
    small = per_round.get(name + SMALL_SUFFIX)
    if name not in SCALE_PAGES or not small:
        return {}
    factors = [big["p95_ms"] / little["p95_ms"] for big, little in zip(per_round[name], small, strict=True)]
    return {"scale": statistics.median(factors), "scale_rounds": factors}


def evaluate_targets(rows: list[dict], failures: list[str]) -> list[tuple]:
    """(target, db, measured, limit, met) for each of the issue's targets this run can judge."""
    by = {(r["db"], r["endpoint"]): r for r in rows}
    verdicts = []
    for db_kind in dict.fromkeys(r["db"] for r in rows):
        for name in READ_PAGES:
            if (row := by.get((db_kind, name))) is not None:
                verdicts.append(
                    (f"{name}: ratio to ceiling", db_kind, f"{row['ratio']:.2f}", "≥ 0.40", row["ratio"] >= 0.40)
                )
        for name in WRITE_FLOWS:
            if (row := by.get((db_kind, name))) is not None:
                clean = row["server_errors"] == 0 and not any(f.startswith(db_kind) for f in failures)
                verdicts.append(
                    (
                        f"{name}: ratio to ceiling, no 5xx, nothing oversold",
                        db_kind,
                        f"{row['ratio']:.2f}, {row['server_errors']} 5xx",
                        "≥ 0.15, 0 5xx",
                        row["ratio"] >= 0.15 and clean,
                    )
                )
        if SIZE == "large":
            dash, avail = by.get((db_kind, "officials' dashboard")), by.get((db_kind, "availability"))
            if dash and avail:
                factor = dash["p95_ms"] / avail["p95_ms"]
                verdicts.append(("dashboard p95 ÷ availability p95", db_kind, f"{factor:.2f}", "≤ 4", factor <= 4))
            live = by.get((db_kind, "availability, signed in"))
            if dash and live:  # both pages as a signed-in person gets them: rendered for them
                factor = dash["p95_ms"] / live["p95_ms"]
                label = "(for reference) dashboard p95 ÷ signed-in availability p95"
                verdicts.append((label, db_kind, f"{factor:.2f}", "≤ 4", factor <= 4))
            for name in SCALE_PAGES:
                if (row := by.get((db_kind, name))) is not None and "scale" in row:
                    rounds = ", ".join(f"{f:.2f}" for f in row["scale_rounds"])
                    verdicts.append(
                        (
                            f"{name}: p95 large ÷ small, same rounds (rounds {rounds})",
                            db_kind,
                            f"{row['scale']:.2f}",
                            "≤ 1.5",
                            row["scale"] <= 1.5,
                        )
                    )
    return verdicts


def render_targets(verdicts: list[tuple]) -> str:
    if not verdicts:
        return ""
    lines = ["| target | db | measured | target | met |", "|---|---|---:|---:|---|"]
    for target, db_kind, measured, limit, met in verdicts:
        lines.append(f"| {target} | {db_kind} | {measured} | {limit} | {'yes' if met else '**no**'} |")
    return "\n".join(lines) + "\n"


def render_table(rows: list[dict], failures: list[str]) -> str:
    lines = [
        f"Dataset `{SIZE}`, {ROUNDS} rounds × {SECONDS} s per endpoint, {CONNECTIONS} connections, "
        f"gunicorn {WORKERS} sync workers; medians of the rounds; ratio = requests/s ÷ bare-Flask requests/s "
        "measured in the same round; journeys/s = confirmation pages served per second (each journey is "
        "five requests: page, form, POST, confirmation, cancel/drop).",
        "",
        "| db | endpoint | req/s | p50 ms | p95 ms | p99 ms | errors | 5xx | ratio to ceiling | journeys/s |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['db']} | {r['endpoint']} | {r['rps']:.0f} | {r['p50_ms']:.1f} | {r['p95_ms']:.1f} | "
            f"{r['p99_ms']:.1f} | {r['errors']} | {r['server_errors']} | {r['ratio']:.2f} | "
            + (f"{r['confirmed'] / (ROUNDS * SECONDS):.1f} |" if r["confirmed"] else "– |")
        )
    lines.append("")
    lines.append(
        "Invariants after the run: "
        + (
            "all hold (no slot or section over capacity; every confirmation page served names a committed row)."
            if not failures
            else "; ".join(failures)
        )
    )
    return "\n".join(lines) + "\n"


def update_readme(table: str) -> None:
    update_readme_block("latest-results", table, "## Latest results")


def update_readme_block(name: str, text: str, heading: str, before: str | None = None) -> None:
    """Put ``text`` between <!-- name --> and <!-- /name --> in bench/README.md; a block not there yet
    goes under ``heading``, before the line ``before`` when the file has it, else at the end."""
    readme = BENCH / "README.md"
    current = readme.read_text() if readme.exists() else ""
    start, end = f"<!-- {name} -->", f"<!-- /{name} -->"
    block = f"{start}\n{text}{end}"
    if start in current and end in current:
        current = current[: current.index(start)] + block + current[current.index(end) + len(end) :]
    elif before and before in current:
        current = current.replace(before, f"{heading}\n\n{block}\n\n{before}", 1)
    else:
        current += f"\n{heading}\n\n{block}\n"
    readme.write_text(current)


if __name__ == "__main__":
    sys.exit(main())
