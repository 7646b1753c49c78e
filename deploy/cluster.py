"""Build peiling's multi-host set-up on this one machine, from network namespaces, and take it
down again (issue 24).

    .venv/bin/python deploy/cluster.py up      # build it, check it answers through HAProxy
    .venv/bin/python deploy/cluster.py down    # stop every process, remove every namespace
    .venv/bin/python deploy/cluster.py check   # is it up: each host's /health/ and the LB's

Needs root (``ip netns``), Debian's ``haproxy`` and PostgreSQL 15 binaries, and Redis. Six
namespaces on one bridge (``pl-br0``, 10.77.0.1/24 on this side; nothing is routed anywhere
else), each with a veth pair:

| namespace | address | runs |
|---|---|---|
| ``pl-db`` | 10.77.0.10 | a PostgreSQL cluster of its own (initdb in the state dir) and Redis |
| ``pl-app1``, ``pl-app2`` | 10.77.0.11, .12 | gunicorn ``peiling.wsgi`` (2 workers × 4 threads) |
| ``pl-lb`` | 10.77.0.2 | HAProxy on port 80: both app hosts, ``/health/`` every second |
| ``pl-w1``, ``pl-w2`` | 10.77.0.21, .22 | ``peiling manage rqworker`` (django-tasks-rq) |

Every host has the same environment (one ``SECRET_KEY``, ``DATABASE_URL`` and
``PEILING_REDIS_URL`` on pl-db, ``PEILING_TASKS=rq``) and a var dir of its own, as separate
machines would; e-mail goes to 10.77.0.1:2525 (a sink the scenarios start on this side).
Processes and paths are recorded in the state dir (``/tmp/peiling-cluster``), so ``down``
finds them after a crash of this script too; ``up`` first takes down what an earlier run left.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = ROOT / ".venv" / "bin" / "python"
PEILING = ROOT / ".venv" / "bin" / "peiling"
STATE = Path(os.environ.get("PEILING_CLUSTER_DIR", "/tmp/peiling-cluster"))
PG_BIN = Path("/usr/lib/postgresql/15/bin")
WAL_ARCHIVE = STATE / "wal-archive"
BRIDGE, GATEWAY = "pl-br0", "10.77.0.1"
HOSTS = {"pl-db": "10.77.0.10", "pl-lb": "10.77.0.2", "pl-app1": "10.77.0.11",
         "pl-app2": "10.77.0.12", "pl-w1": "10.77.0.21", "pl-w2": "10.77.0.22"}
APPS = ("pl-app1", "pl-app2")
WORKERS = ("pl-w1", "pl-w2")
SMTP_PORT = 2525
LB_URL = f"http://{HOSTS['pl-lb']}"


def _run(*command: str, check: bool = True, **options) -> subprocess.CompletedProcess:
    return subprocess.run(command, check=check, capture_output=True, text=True, **options)


def _in(namespace: str, *command: str) -> list[str]:
    return ["ip", "netns", "exec", namespace, *command]


def _state() -> dict:
    path = STATE / "state.json"
    return json.loads(path.read_text()) if path.exists() else {"processes": {}}


def _save(state: dict) -> None:
    (STATE / "state.json").write_text(json.dumps(state, indent=2))


def environment(host: str) -> dict[str, str]:
    """What every app host and worker runs with: the same for all, but its own var dir."""
    state = _state()
    var = STATE / "var" / host
    var.mkdir(parents=True, exist_ok=True)
    (var / "static").mkdir(exist_ok=True)
    db = HOSTS["pl-db"]
    return {"PATH": os.environ["PATH"], "HOME": str(var), "LANG": "C.UTF-8",
            "SECRET_KEY": state["secret_key"], "PEILING_VAR_DIR": str(var),
            "DATABASE_URL": f"postgres://postgres@{db}:5432/peiling",
            "PEILING_TASKS": "rq", "PEILING_REDIS_URL": f"redis://{db}:6379/0",
            "PEILING_SECURE": "0", "DEBUG": "0", "ALLOWED_HOSTS": "*",
            "PEILING_BASE_URL": LB_URL, "PEILING_PROXY_COUNT": "1",
            "EMAIL_HOST": GATEWAY, "EMAIL_PORT": str(SMTP_PORT),
            "DEFAULT_FROM_EMAIL": "panel@peiling.test", "PEILING_TASK_TIMEOUT": "60"}


def start(name: str, namespace: str, command: list[str], *, env: dict | None = None,
          user: str | None = None) -> int:
    """Start ``command`` in ``namespace`` in a process group of its own; record it."""
    log = open(STATE / f"{name}.log", "ab")  # noqa: SIM115  (kept open by the child)
    full = _in(namespace, *(["runuser", "-u", user, "--"] if user else []), *command)
    process = subprocess.Popen(full, stdout=log, stderr=subprocess.STDOUT, env=env,
                               cwd=ROOT, start_new_session=True)
    state = _state()
    state["processes"][name] = {"pid": process.pid, "namespace": namespace}
    _save(state)
    return process.pid


def kill(name: str, sig: int = signal.SIGKILL) -> None:
    """Kill a recorded process and everything in its group (``kill -9`` of a host)."""
    state = _state()
    entry = state["processes"].pop(name, None)
    _save(state)
    if entry is None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(entry["pid"], sig)


def kill_host(namespace: str) -> int:
    """``kill -9`` of every process of a host (its namespace): what a power cut does. Return
    how many there were (a worker's work horse runs in a session of its own)."""
    kill(namespace)
    pids = _run("ip", "netns", "pids", namespace, check=False).stdout.split()
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(int(pid), signal.SIGKILL)
    return len(pids)


def _network() -> None:
    _run("ip", "link", "add", BRIDGE, "type", "bridge")
    _run("ip", "addr", "add", f"{GATEWAY}/24", "dev", BRIDGE)
    _run("ip", "link", "set", BRIDGE, "up")
    for index, (namespace, address) in enumerate(HOSTS.items()):
        outside = f"plv{index}"
        _run("ip", "netns", "add", namespace)
        _run("ip", "link", "add", outside, "type", "veth", "peer", "name", "eth0", "netns",
             namespace)
        _run("ip", "link", "set", outside, "master", BRIDGE, "up")
        _run(*_in(namespace, "ip", "addr", "add", f"{address}/24", "dev", "eth0"))
        _run(*_in(namespace, "ip", "link", "set", "eth0", "up"))
        _run(*_in(namespace, "ip", "link", "set", "lo", "up"))


def _wait(what: str, ready, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if ready():
            return
        time.sleep(0.3)
    raise SystemExit(f"cluster: {what} did not come up within {seconds:.0f} s "
                     f"(logs in {STATE})")


def _database(archive: bool) -> None:
    data = STATE / "pgdata"
    data.mkdir(parents=True)
    shutil.chown(data, "postgres", "postgres")
    _run("runuser", "-u", "postgres", "--", str(PG_BIN / "initdb"), "-D", str(data), "-A",
         "trust", "-U", "postgres", "--no-sync")
    with open(data / "pg_hba.conf", "a") as hba:
        hba.write("host all all 10.77.0.0/24 trust\n"
                  "host replication all 10.77.0.0/24 trust\n")
    if archive:  # every finished WAL segment is copied to the archive, as a backup host would
        WAL_ARCHIVE.mkdir(parents=True)
        shutil.chown(WAL_ARCHIVE, "postgres", "postgres")
        with open(data / "postgresql.conf", "a") as conf:
            conf.write(f"archive_mode = on\n"
                       f"archive_command = 'test ! -f {WAL_ARCHIVE}/%f && cp %p {WAL_ARCHIVE}/%f'\n"
                       f"restore_command = 'cp {WAL_ARCHIVE}/%f %p'\n")
    start_database()
    _run(str(PG_BIN / "createdb"), "-h", HOSTS["pl-db"], "-U", "postgres", "peiling")
    start("redis", "pl-db", ["redis-server", "--bind", HOSTS["pl-db"], "--port", "6379",
                             "--save", "", "--appendonly", "no", "--protected-mode", "no"])
    _wait("Redis", lambda: "PONG" in _run("redis-cli", "-h", HOSTS["pl-db"], "ping",
                                          check=False).stdout)


def start_database() -> None:
    """Start PostgreSQL on the database host from the state dir's ``pgdata`` and wait until it
    takes connections (after a restore: until its recovery has ended)."""
    data, db = STATE / "pgdata", HOSTS["pl-db"]
    start("postgres", "pl-db", [str(PG_BIN / "postgres"), "-D", str(data), "-c",
                                f"listen_addresses={db}", "-c", f"unix_socket_directories={data}",
                                "-c", "max_connections=300", "-c", "fsync=on"], user="postgres")
    _wait("PostgreSQL", lambda: _run(str(PG_BIN / "pg_isready"), "-h", db, "-q",
                                     check=False).returncode == 0, seconds=300)


def start_app(namespace: str) -> None:
    start(namespace, namespace, [str(PYTHON), "-m", "gunicorn", "peiling.wsgi:application",
                                 "--bind", f"{HOSTS[namespace]}:8000", "--workers", "2",
                                 "--worker-class", "gthread", "--threads", "4",
                                 "--graceful-timeout", "5"], env=environment(namespace))


def start_worker(namespace: str) -> None:
    start(namespace, namespace, [str(PEILING), "manage", "rqworker", "--worker-class",
                                 "peiling.jobs.rq.Worker", "--job-class", "django_tasks_rq.Job",
                                 "--with-scheduler", "default"], env=environment(namespace))


def _balancer() -> None:
    # maxconn: no more requests at once than the host has gunicorn threads (2 x 4); the rest
    # wait in HAProxy's queue, not in the host's backlog, where they delayed its health check
    # past the check's timeout under a crowd and HAProxy took healthy hosts out (503s).
    # observe layer4: a refused or reset connection on live traffic takes the host out at
    # once, without waiting for two failed health checks.
    servers = "\n".join(f"    server {name} {HOSTS[name]}:8000 maxconn 8 check inter 1s fall 2 "
                        f"rise 2 observe layer4 error-limit 1 on-error mark-down"
                        for name in APPS)
    config = STATE / "haproxy.cfg"
    config.write_text(f"""global
    maxconn 4000
defaults
    mode http
    timeout connect 2s
    timeout client 60s
    timeout server 60s
    timeout queue 30s
    timeout check 3s
    retries 2
    option redispatch
frontend peiling
    bind {HOSTS['pl-lb']}:80
    default_backend apps
backend apps
    balance roundrobin
    option httpchk GET /health/
    http-check expect status 200
{servers}
""")
    start("haproxy", "pl-lb", ["haproxy", "-f", str(config), "-db"])


def healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as answer:
            return answer.status == 200 and answer.read() == b"ok\n"
    except OSError:
        return False


def up(*, archive: bool = False) -> None:
    """Build the cluster; ``archive``: PostgreSQL archives its WAL (the backup drill)."""
    down(quiet=True)
    STATE.mkdir(parents=True)
    _save({"processes": {}, "secret_key": secrets.token_urlsafe(50)})
    _network()
    _database(archive)
    migrate = _run(*_in("pl-app1", str(PEILING), "manage", "migrate",
                        "--no-input"), env=environment("pl-app1"), cwd=ROOT, check=False)
    if migrate.returncode:
        raise SystemExit(f"cluster: migrate failed: {migrate.stderr.strip()[-500:]}")
    for namespace in APPS:
        start_app(namespace)
    for namespace in WORKERS:
        start_worker(namespace)
    _balancer()
    for namespace in APPS:
        _wait(f"{namespace}'s /health/",
              lambda ns=namespace: healthy(f"http://{HOSTS[ns]}:8000/health/"))
    _wait("HAProxy", lambda: healthy(f"{LB_URL}/health/"))
    print(f"cluster up: {LB_URL}/ through HAProxy; app hosts {', '.join(HOSTS[a] for a in APPS)}; "
          f"PostgreSQL and Redis on {HOSTS['pl-db']}; workers in {', '.join(WORKERS)}; "
          f"state and logs in {STATE}")


def down(quiet: bool = False) -> None:
    """Stop every process the state names, remove the namespaces, the bridge, the state dir."""
    state = _state()
    for name in list(state.get("processes", {})):
        kill(name, signal.SIGTERM)
    time.sleep(0.5 if state.get("processes") else 0)
    for name in list(state.get("processes", {})):
        kill(name)
    for namespace in HOSTS:  # anything still running in a namespace is killed and reaped
        for _ in range(50):
            pids = _run("ip", "netns", "pids", namespace, check=False).stdout.split()
            if not pids:
                break
            for pid in pids:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(int(pid), signal.SIGKILL)
            time.sleep(0.1)
        _run("ip", "netns", "del", namespace, check=False)
    for index in range(len(HOSTS)):  # a veth outlives its namespace while a process holds it
        _run("ip", "link", "del", f"plv{index}", check=False)
    _run("ip", "link", "del", BRIDGE, check=False)
    shutil.rmtree(STATE, ignore_errors=True)
    if not quiet:
        print("cluster down: no namespace, bridge or process of it is left")


def check() -> int:
    results = {name: healthy(f"http://{HOSTS[name]}:8000/health/") for name in APPS}
    results["pl-lb"] = healthy(f"{LB_URL}/health/")
    for name, ok in results.items():
        print(f"{name}: {'ok' if ok else 'NOT ANSWERING'}")
    return 0 if all(results.values()) else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=["up", "down", "check"])
    args = parser.parse_args()
    if os.geteuid() != 0:
        print("cluster: needs root for ip netns", file=sys.stderr)
        return 2
    if args.action == "up":
        up()
        return 0
    if args.action == "down":
        down()
        return 0
    return check()


if __name__ == "__main__":
    sys.exit(main())
