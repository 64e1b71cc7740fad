"""`news-etl airflow` (what `make airflow` runs): a local Airflow 3 with the news_etl DAG.

Starts the API server (UI + REST + the execution API the tasks talk to), the scheduler and the
DAG processor as child processes, each in its own process group with its output in
AIRFLOW_HOME/logs/services/<component>.log, waits until they are healthy and the DAG is parsed,
then prints the URL and the login. Ctrl-C stops everything.

Local development only: metadata in SQLite under the project's airflow_home/ (unless
AIRFLOW_HOME or AIRFLOW__DATABASE__SQL_ALCHEMY_CONN say otherwise), LocalExecutor, the simple auth
manager with a known password, bound to 127.0.0.1. See deploy/ for production.

The helpers (`service_env`, `prepare`, `Services`, `ApiClient`) are also what the service tests
use, so the tests start Airflow exactly the way developers do.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from etl import config, orphans

DAG_ID = config.DAG_ID
DEFAULT_PORT = 8080
DEFAULT_USER = "admin"
DEFAULT_PASSWORD = "admin"  # local development only; deploy/ and docs/airflow.md cover real credentials
POOL = ("duckdb_writer", 1, "One writer per DuckDB file")
COMPONENTS = ("api-server", "scheduler", "dag-processor")
PASSWORDS_FILE = "simple_auth_manager_passwords.json.generated"
AIRFLOW_BIN = Path(sys.executable).parent / "airflow"


# --------------------------------------------------------------------------------------------
# environment and one-off preparation
# --------------------------------------------------------------------------------------------

def port_free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def service_env(port: int = DEFAULT_PORT, *, host: str = "127.0.0.1", log_server_port: int | None = None,
                user: str = DEFAULT_USER, overrides: dict[str, str] | None = None) -> dict[str, str]:
    """Environment shared by every Airflow component of one local deployment.

    Starts from `etl.cli.airflow_env()` (project AIRFLOW_HOME and dags/, no examples, the venv's
    bin on PATH: Airflow starts its own subcommands by name), applies `overrides`, then pins the
    ports. The execution API URL must point at this API server, or every task fails with
    "connection refused".
    """
    from etl.cli import airflow_env

    env = airflow_env()
    env.update(overrides or {})
    env.update({
        "AIRFLOW__API__HOST": host,
        "AIRFLOW__API__PORT": str(port),
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{port}/execution/",
    })
    if log_server_port:
        env["AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT"] = str(log_server_port)
    env.setdefault("AIRFLOW__API__WORKERS", "1")
    env.setdefault("AIRFLOW__CORE__PARALLELISM", "8")  # LocalExecutor worker processes; the DAG needs <= 4
    env.setdefault("AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS", f"{user}:admin")
    # Pick up a new or edited DAG file within seconds rather than minutes.
    env.setdefault("AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL", "10")
    env.setdefault("AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL", "10")
    # The project's own packages (etl) must import in every task process.
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(config.PROJECT_ROOT), env.get("PYTHONPATH")) if p)
    return env


def set_password(home: Path, user: str, password: str) -> Path:
    """Give `user` a known password in the simple auth manager's passwords file (JSON user -> password)."""
    path = home / PASSWORDS_FILE
    home.mkdir(parents=True, exist_ok=True)
    try:
        passwords = json.loads(path.read_text() or "{}")
    except (FileNotFoundError, json.JSONDecodeError):
        passwords = {}
    passwords[user] = password
    path.write_text(json.dumps(passwords) + "\n")
    path.chmod(0o600)
    return path


# Writes airflow.cfg first (the `airflow` CLI does that; a bare import does not): without it every
# component would invent its own JWT secret and the tasks' execution-API calls would be refused.
# Then fails the runs a killed `news-etl run` left behind, before a scheduler waits on them.
_PREPARE = """
import json, sys
from airflow.configuration import write_default_airflow_configuration_if_needed
write_default_airflow_configuration_if_needed()
from airflow.utils import db
from airflow.models.pool import Pool
db.initdb()
name, slots, desc = sys.argv[1], int(sys.argv[2]), sys.argv[3]
Pool.create_or_update_pool(name, slots, desc, include_deferred=False)
from etl import orphans
try:
    lines = orphans.reap(sys.argv[4])
except Exception as exc:  # the services must start even if the clean-up cannot run
    lines = [f"could not check for orphaned runs: {exc!r}"]
print(orphans.REPORT_PREFIX + json.dumps(lines), flush=True)
"""


def prepare(env: dict[str, str], timeout: float = 600, by: str = "news-etl airflow") -> list[str]:
    """Create or upgrade the metadata DB, create the one-writer pool and mark orphaned runs failed
    (etl.orphans), in one Python process (each `airflow` CLI call costs seconds of imports).
    Idempotent. Returns one line per orphaned run it marked failed."""
    Path(env["AIRFLOW_HOME"]).mkdir(parents=True, exist_ok=True)
    proc = subprocess.run([sys.executable, "-c", _PREPARE, *map(str, POOL), by], env=env, capture_output=True,
                          text=True, timeout=timeout, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"preparing Airflow in {env['AIRFLOW_HOME']} failed:\n{proc.stdout[-3000:]}\n"
                           f"{proc.stderr[-3000:]}")
    return orphans.report_lines(proc.stdout) or []


# --------------------------------------------------------------------------------------------
# processes
# --------------------------------------------------------------------------------------------

class Services:
    """Airflow components as child processes, each in its own process group (so stopping one also
    stops the task processes, gunicorn/uvicorn workers and log servers it started)."""

    def __init__(self, env: dict[str, str], log_dir: Path):
        self.env = env
        self.log_dir = Path(log_dir)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.procs: dict[str, subprocess.Popen] = {}

    def start(self, name: str, args: list[str] | None = None, env: dict[str, str] | None = None) -> subprocess.Popen:
        """Start `airflow <args>` (default: `airflow <name>`), output to <log_dir>/<name>.log."""
        log = open(self.log_dir / f"{name}.log", "ab")  # noqa: SIM115 - kept open by the child
        try:
            proc = subprocess.Popen([str(AIRFLOW_BIN), *(args or [name])], env=env or self.env, stdout=log,
                                    stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
        finally:
            log.close()
        self.procs[name] = proc
        return proc

    def log_tail(self, name: str, n: int = 40) -> str:
        path = self.log_dir / f"{name}.log"
        if not path.exists():
            return ""
        return "\n".join(path.read_text(errors="replace").splitlines()[-n:])

    def dead(self) -> list[str]:
        return [name for name, p in self.procs.items() if p.poll() is not None]

    def check_alive(self) -> None:
        for name in self.dead():
            raise RuntimeError(f"airflow {name} exited with code {self.procs[name].returncode}; last lines of "
                               f"{self.log_dir / (name + '.log')}:\n{self.log_tail(name)}")

    def stop(self, timeout: float = 30) -> None:
        """SIGTERM every process group, then SIGKILL whatever is left after `timeout` seconds."""
        for p in self.procs.values():
            _signal_group(p, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for p in self.procs.values():
            try:
                p.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
        for p in self.procs.values():  # children of a component may outlive it: kill the group anyway
            _signal_group(p, signal.SIGKILL)
            try:
                p.wait(5)
            except subprocess.TimeoutExpired:
                pass
        self.procs.clear()

    def __enter__(self) -> Services:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def _signal_group(p: subprocess.Popen, sig: int) -> None:
    try:
        os.killpg(p.pid, sig)  # start_new_session=True: the group id is the child's pid
    except (ProcessLookupError, PermissionError):
        pass


# --------------------------------------------------------------------------------------------
# REST API
# --------------------------------------------------------------------------------------------

class ApiClient:
    """Minimal client for the Airflow 3 REST API (`/api/v2`), authenticated with a JWT from `/auth/token`."""

    def __init__(self, base_url: str, user: str = DEFAULT_USER, password: str = DEFAULT_PASSWORD):
        self.base_url = base_url.rstrip("/")
        self.user, self.password = user, password
        self._token: str | None = None

    def _request(self, method: str, path: str, body: dict | None = None, auth: bool = True,
                 timeout: float = 30) -> tuple[int, dict | str]:
        headers = {"Accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if auth:
            headers["Authorization"] = f"Bearer {self.token()}"
        req = urllib.request.Request(self.base_url + path, data=data, headers=headers, method=method)
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                status, raw = resp.status, resp.read().decode()
        except urllib.error.HTTPError as e:
            status, raw = e.code, e.read().decode(errors="replace")
        try:
            return status, json.loads(raw) if raw else {}
        except json.JSONDecodeError:
            return status, raw

    def token(self) -> str:
        if self._token is None:
            status, body = self._request("POST", "/auth/token", {"username": self.user, "password": self.password},
                                         auth=False)
            if status not in (200, 201) or not isinstance(body, dict):
                raise RuntimeError(f"login as {self.user} failed: HTTP {status} {body}")
            self._token = body["access_token"]
        return self._token

    def call(self, method: str, path: str, body: dict | None = None, ok: tuple[int, ...] = (200, 201, 204)) -> dict:
        status, data = self._request(method, path, body)
        if status not in ok:
            raise RuntimeError(f"{method} {path}: HTTP {status} {data}")
        return data if isinstance(data, dict) else {"text": data}

    def health(self) -> dict | None:
        try:
            status, body = self._request("GET", "/api/v2/monitor/health", auth=False, timeout=5)
        except OSError:
            return None
        return body if status == 200 and isinstance(body, dict) else None

    def dag(self, dag_id: str = DAG_ID) -> dict | None:
        status, body = self._request("GET", f"/api/v2/dags/{dag_id}")
        return body if status == 200 and isinstance(body, dict) else None

    def import_errors(self) -> list[dict]:
        return self.call("GET", "/api/v2/importErrors").get("import_errors", [])

    def set_paused(self, paused: bool, dag_id: str = DAG_ID) -> dict:
        return self.call("PATCH", f"/api/v2/dags/{dag_id}?update_mask=is_paused", {"is_paused": paused})

    def trigger(self, conf: dict | None = None, dag_id: str = DAG_ID, run_id: str | None = None) -> dict:
        body: dict = {"logical_date": None, "conf": conf or {}}
        if run_id:
            body["dag_run_id"] = run_id
        return self.call("POST", f"/api/v2/dags/{dag_id}/dagRuns", body)

    def runs(self, dag_id: str = DAG_ID) -> list[dict]:
        return self.call("GET", f"/api/v2/dags/{dag_id}/dagRuns?limit=100&order_by=-run_after")["dag_runs"]

    def run(self, run_id: str, dag_id: str = DAG_ID) -> dict:
        return self.call("GET", f"/api/v2/dags/{dag_id}/dagRuns/{urllib.request.quote(run_id, safe='')}")

    def task_instances(self, run_id: str, dag_id: str = DAG_ID) -> list[dict]:
        q = urllib.request.quote(run_id, safe="")
        return self.call("GET", f"/api/v2/dags/{dag_id}/dagRuns/{q}/taskInstances?limit=1000")["task_instances"]

    def task_log(self, run_id: str, task_id: str, try_number: int = 1, map_index: int = -1,
                 dag_id: str = DAG_ID) -> str:
        q = urllib.request.quote(run_id, safe="")
        data = self.call("GET", f"/api/v2/dags/{dag_id}/dagRuns/{q}/taskInstances/{task_id}/logs/{try_number}"
                                f"?map_index={map_index}&full_content=true")
        content = data.get("content", data.get("text", ""))
        if not isinstance(content, list):
            return str(content)
        lines = []
        for c in content:  # structured log lines: the message is "event", an exception "error_detail"
            if not isinstance(c, dict):
                lines.append(str(c))
                continue
            lines.append(str(c.get("event", "")))
            for err in c.get("error_detail") or []:
                lines.append(f"{err.get('exc_type')}: {err.get('exc_value')}")
        return "\n".join(lines)

    def wait_run(self, run_id: str, timeout: float = 600, dag_id: str = DAG_ID,
                 services: Services | None = None) -> dict:
        """Poll until the run finishes; returns the run (state success or failed)."""
        deadline = time.monotonic() + timeout
        while True:
            run = self.run(run_id, dag_id)
            if run["state"] in ("success", "failed"):
                return run
            if services is not None:
                services.check_alive()
            if time.monotonic() > deadline:
                raise TimeoutError(f"run {run_id} still {run['state']} after {timeout:.0f} s")
            time.sleep(3)


def wait_ready(client: ApiClient, services: Services, timeout: float = 300, dag_id: str | None = DAG_ID,
               need: tuple[str, ...] = ("metadatabase", "scheduler", "dag_processor")) -> None:
    """Wait until the API answers, the given components report healthy, and the DAG is parsed."""
    deadline = time.monotonic() + timeout
    last: object = None
    while time.monotonic() < deadline:
        services.check_alive()
        health = client.health()
        if health and all((health.get(c) or {}).get("status") == "healthy" for c in need):
            if dag_id is None:
                return
            if client.dag(dag_id):
                return
            errors = client.import_errors()
            if errors:
                raise RuntimeError(f"the DAG folder has import errors: {json.dumps(errors, indent=1)[:4000]}")
            last = f"DAG {dag_id} not parsed yet"
        else:
            last = health
        time.sleep(2)
    raise TimeoutError(f"Airflow not ready after {timeout:.0f} s (last: {last})")


# --------------------------------------------------------------------------------------------
# `news-etl airflow`
# --------------------------------------------------------------------------------------------

def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="news-etl airflow", description=__doc__.splitlines()[0])
    p.add_argument("--port", type=int, default=int(os.environ.get("NEWS_ETL_AIRFLOW_PORT", DEFAULT_PORT)),
                   help="UI/API port (default 8080, or NEWS_ETL_AIRFLOW_PORT)")
    p.add_argument("--host", default="127.0.0.1",
                   help="address to bind (default 127.0.0.1; 0.0.0.0 exposes the UI to the network)")
    p.add_argument("--user", default=DEFAULT_USER, help="admin user name (default admin)")
    p.add_argument("--password", default=os.environ.get("NEWS_ETL_AIRFLOW_PASSWORD", DEFAULT_PASSWORD),
                   help="admin password (default: NEWS_ETL_AIRFLOW_PASSWORD, else 'admin')")
    p.add_argument("--unpause", action="store_true",
                   help="unpause news_etl so the nightly schedule runs (it starts paused)")
    p.add_argument("--timeout", type=float, default=300, help="seconds to wait for start-up (default 300)")
    ns = p.parse_args(argv)

    if ns.host not in ("127.0.0.1", "localhost", "::1") and ns.password == DEFAULT_PASSWORD:
        print(f"refusing to expose the UI on {ns.host} with the default password: set --password or "
              "NEWS_ETL_AIRFLOW_PASSWORD (and see deploy/ for a real deployment)", file=sys.stderr)
        return 2
    if not port_free(ns.port, ns.host):
        print(f"port {ns.port} is in use (another Airflow?); pick another with --port", file=sys.stderr)
        return 2
    log_port = 8793 if port_free(8793) else free_port()  # 8793: Airflow's task-log server
    env = service_env(ns.port, host=ns.host, log_server_port=log_port, user=ns.user)
    home = Path(env["AIRFLOW_HOME"])
    url = f"http://{'127.0.0.1' if ns.host in ('0.0.0.0', '::') else ns.host}:{ns.port}"
    print(f"Preparing Airflow in {home} (metadata DB, pool {POOL[0]}) ...", flush=True)
    try:
        orphans.announce(prepare(env))
    except RuntimeError as e:
        print(e, file=sys.stderr)
        return 1
    pw_file = set_password(home, ns.user, ns.password)

    services = Services(env, home / "logs" / "services")
    stopping = False

    def _on_term(signum, frame):  # noqa: ARG001
        nonlocal stopping
        stopping = True
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _on_term)
    signal.signal(signal.SIGINT, _on_term)  # also when started in the background, where SIGINT is ignored
    try:
        print(f"Starting {', '.join(COMPONENTS)} (logs in {services.log_dir}) ...", flush=True)
        for name in COMPONENTS:
            services.start(name)
        client = ApiClient(url, ns.user, ns.password)
        wait_ready(client, services, timeout=ns.timeout)
        if ns.unpause:
            client.set_paused(False)
        dag = client.dag() or {}
        print("\n".join([
            "",
            f"  Airflow is ready:  {url}",
            f"  DAG:               {url}/dags/{DAG_ID}   ({'paused' if dag.get('is_paused') else 'active'}; "
            f"schedule {dag.get('timetable_summary') or dag.get('timetable_description')})",
            f"  News explorer:     {url}/news/   (\"News\" in the UI's navigation)",
            f"  Login:             {ns.user} / {ns.password}   (stored in {pw_file})",
            "  Trigger a run:     Trigger button -> fill input_dir / warehouse -> Trigger (ticking",
            "                     'Unpause' also starts the nightly schedule; see docs/airflow.md)",
            f"  Component logs:    {services.log_dir}",
            "  Local development only. Stop with Ctrl-C.",
            "",
        ]), flush=True)
        next_check = time.monotonic() + orphans.CHECK_EVERY_S
        while True:
            services.check_alive()
            if time.monotonic() > next_check:  # a `news-etl run` killed meanwhile would block the schedule
                next_check = time.monotonic() + orphans.CHECK_EVERY_S
                if orphans.dead_markers(home):
                    orphans.announce(orphans.reap_in_subprocess(env, "news-etl airflow"))
            time.sleep(2)
    except KeyboardInterrupt:
        print("\nStopping Airflow ...", flush=True)
        return 0
    except (RuntimeError, TimeoutError) as e:
        if stopping:
            return 0
        print(f"Airflow failed: {e}", file=sys.stderr)
        return 1
    finally:
        services.stop()


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
