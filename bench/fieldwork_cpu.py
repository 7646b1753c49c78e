"""CPU per respondent request, in process: where ``bench/fieldwork.py``'s ratio comes from.

    .venv/bin/python bench/fieldwork_cpu.py [--respondents 200]
    valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file=var/cg.out \\
        .venv/bin/python bench/fieldwork_cpu.py --callgrind [--respondents 20]

Calls peiling's WSGI application directly (no server, no sockets between client and Django;
PostgreSQL on 127.0.0.1 as in ``bench/fieldwork.py``, whose set-up, bare view and simulated
respondents it reuses). Each respondent opens its personal link (the intro page), starts, and
posts the example questionnaire's pages; after each respondent the bare view inserts as many
rows as the respondent posted pages, so both see the same moments of a shared machine.

Reported: CPU milliseconds of this process per request of each kind (``time.process_time``:
Python, psycopg and the kernel's work for this process, not PostgreSQL's), and per page submit
with the intro page and the start spread over the submits, against the bare insert.

With ``--callgrind``, under valgrind as above, it counts instructions instead: the same for
the same code on any machine, however busy, so a change of a few per cent shows. What the
kernel does for the process (the sockets to PostgreSQL) is not counted then.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import fieldwork as served  # noqa: E402  (the path first)

KINDS = ("intro", "start", "submit", "bare")


class Client:
    """Requests straight into the WSGI application, with one browser's cookies."""

    def __init__(self, application) -> None:
        self.application = application
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: bytes = b"") -> tuple[int, str]:
        environ = {
            "REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": "",
            "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8000", "HTTP_HOST": "127.0.0.1",
            "SERVER_PROTOCOL": "HTTP/1.1", "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(body), "wsgi.errors": sys.stderr,
            "CONTENT_LENGTH": str(len(body)), "HTTP_USER_AGENT": "peiling-bench",
        }
        if body:
            environ["CONTENT_TYPE"] = "application/x-www-form-urlencoded"
        if self.cookies:
            environ["HTTP_COOKIE"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        started: dict = {}

        def start_response(status, headers, exc_info=None):
            started.update(status=int(status.split()[0]), headers=headers)

        chunks = self.application(environ, start_response)
        content = b"".join(chunks)
        chunks.close()
        for header, value in started["headers"]:
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
        return started["status"], content.decode()


class Meter:
    """CPU seconds per kind of request (``--callgrind`` reads its counts from the dumps)."""

    def __init__(self) -> None:
        self.seconds: dict[str, list[float]] = {kind: [] for kind in KINDS}

    def timed(self, kind: str, call, *args):
        started = time.process_time()
        result = call(*args)
        self.seconds[kind].append(time.process_time() - started)
        return result


def respondent(application, token: str, script, meter: Meter) -> int:
    """Answer the questionnaire through ``token`` along ``script``; return pages posted."""
    client = Client(application)
    url = f"/s/{token}/"
    _status, html = meter.timed("intro", client.request, "GET", url)
    csrf = served.CSRF_INPUT.search(html).group(1)
    start = urllib.parse.urlencode({"csrfmiddlewaretoken": csrf, "action": "start"}).encode()
    status, _ = meter.timed("start", client.request, "POST", url, start)
    if status != 303:
        raise RuntimeError(f"start: {status}")
    prefix = urllib.parse.urlencode({"csrfmiddlewaretoken": csrf, "action": "next"})
    for key, fields, _answers in script:
        body = f"{prefix}&{urllib.parse.urlencode({'page': key})}&{fields}".encode()
        status, _ = meter.timed("submit", client.request, "POST", url, body)
        if status != 303:
            raise RuntimeError(f"POST {key}: {status}")
    return len(script)


def bare(application, count: int, meter: Meter) -> None:
    client = Client(application)
    body = urllib.parse.urlencode(
        {"org_type": "gemeente", "domain": "ict", "function": "staf"}).encode()
    for _ in range(count):
        status, _ = meter.timed("bare", client.request, "POST", "/bench/insert/", body)
        if status != 201:
            raise RuntimeError(f"bare insert: {status}")


def _callgrind(command: str, *args: str) -> None:
    subprocess.run(["callgrind_control", command, *args, str(os.getpid())], check=True,
                   capture_output=True)


def _instructions(path: Path) -> int:
    for line in path.read_text().splitlines():
        if line.startswith("totals:"):
            return int(line.split()[1])
    raise RuntimeError(f"no totals in {path}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--respondents", type=int, default=200)
    parser.add_argument("--callgrind", action="store_true",
                        help="count instructions (run under valgrind --tool=callgrind)")
    parser.add_argument("--out", default="var/cg.out",
                        help="valgrind's --callgrind-out-file, to read the counts back")
    args = parser.parse_args(argv)
    var = Path(tempfile.mkdtemp(prefix="peiling-bench-"))
    tokens = iter(served.setup(var, args.respondents + 30)["tokens"])
    os.environ.update(served._environment(var))
    from peiling.fieldwork.flow import Flow
    from peiling.forms.xlsform import read_xlsform

    flow = Flow(read_xlsform(served.EXAMPLE.read_bytes()))
    scripts = [served.respondent_script(flow, random.Random(i)) for i in range(50)]
    application = served.application
    meter = Meter()
    for index in range(20):  # warm-up: the flow, the prepared statements, the templates
        bare(application, respondent(application, next(tokens), scripts[index], meter), meter)
    meter = Meter()
    if args.callgrind:
        _callgrind("-i", "on")
        _callgrind("-z")
        for index in range(args.respondents):
            respondent(application, next(tokens), scripts[index % len(scripts)], meter)
        _callgrind("-d", "respondents")
        bare(application, len(meter.seconds["submit"]), meter)
        _callgrind("-d", "bare")
        _callgrind("-i", "off")
        submits = len(meter.seconds["submit"])
        per_submit, per_bare = (_instructions(Path(f"{args.out}.1")) / submits,
                                _instructions(Path(f"{args.out}.2")) / submits)
        print(f"instructions per page submit (intro and start spread over the submits): "
              f"{per_submit / 1e6:.3f} M; per bare insert: {per_bare / 1e6:.3f} M; "
              f"ratio {per_bare / per_submit:.3f}")
        return 0
    for index in range(args.respondents):
        posted = respondent(application, next(tokens), scripts[index % len(scripts)], meter)
        bare(application, posted, meter)
    for kind in KINDS:
        seconds = meter.seconds[kind]
        print(f"{kind:7s} {len(seconds):6d} requests, CPU per request: mean "
              f"{1000 * statistics.fmean(seconds):.3f} ms, median "
              f"{1000 * statistics.median(seconds):.3f} ms")
    submits = meter.seconds["submit"]
    per_submit = sum(sum(meter.seconds[k]) for k in ("intro", "start", "submit")) / len(submits)
    per_bare = statistics.fmean(meter.seconds["bare"])
    print(f"per page submit with the intro and the start: {1000 * per_submit:.3f} ms; bare "
          f"insert {1000 * per_bare:.3f} ms; ratio {per_bare / per_submit:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
