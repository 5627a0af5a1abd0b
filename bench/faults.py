"""Faults under load: python -m bench.faults [--seconds 60] [--clients 32] [--report FILE]

The site runs as in production: gunicorn (2 workers) and `manage.py run_indexer` under supervisord
with autorestart, production settings, PostgreSQL (a database of its own, bench_faults, on the
server bench.run uses), and a small generated archive. Each phase puts --clients readers on it
(search API pages with varying queries, article pages, the front page) while one editor saves an
edit every 0.2 s through the ORM, and injects one fault --inject-at seconds in: none (the
baseline), kill -9 of a gunicorn worker, kill -9 of the indexer, a PostgreSQL restart. Nobody
intervenes: gunicorn replaces its worker, supervisord the indexer, Django and the indexer
reconnect to the database.

After each phase every committed edit must be in the database and, once /healthz reports the
index caught up, found by the search API. The report counts requests, answers and errors, and
times the recovery.

Restarting the server bench.run uses restarts the whole local cluster and drops every client's
connections, so the phase is skipped (and the report says so) while other databases on it have
clients, unless --force-restart. --own-cluster runs the benchmark on a throwaway cluster of its
own instead, which harms no one. Files go to bench/out/faults/.
"""

import argparse
import http.client
import json
import os
import random
import secrets
import shutil
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from . import corpus as corpus_module
from . import faults_report, run

OUT = run.OUT / "faults"
PHASES = {
    "baseline": "no fault",
    "worker": "kill -9 of a gunicorn worker",
    "indexer": "kill -9 of the indexer",
    "postgres": "PostgreSQL restart",
}
PG_VERSION, PG_CLUSTER = "15", "main"  # the cluster scripts/postgres sets up
RESTART = (PG_VERSION, PG_CLUSTER, "restart")
EDIT_INTERVAL = 0.2
# A reader's pause after a 503 or a failed connection. Honouring Retry-After (10 s) would hide
# when the site is back; not pausing at all would count thousands of instant refusals.
FAILURE_PAUSE = 0.2
HEALTH_INTERVAL = 0.25
CAUGHT_UP_SECONDS = 2.0
SETTLE_LIMIT = 180  # seconds for the site to be up, and the index caught up, between phases
TOKEN_PREFIX = "故障"

SUPERVISORD_CONF = """\
; Written by bench.faults: deploy/supervisord.conf's programs, with this run's logs.
[supervisord]
nodaemon=true
directory={repo}
logfile={logs}/supervisord.log
pidfile={out}/supervisord.pid
childlogdir={logs}
loglevel=info

[program:web]
command={bin}/gunicorn --config newsarchive/gunicorn.conf.py
directory={repo}
autorestart=true
stopsignal=TERM
stopwaitsecs=15
stdout_logfile={logs}/web.log
redirect_stderr=true

[program:indexer]
command={python} manage.py run_indexer
directory={repo}
autorestart=true
startsecs=2
startretries=1000
stopsignal=TERM
stopwaitsecs=30
stdout_logfile={logs}/indexer.log
redirect_stderr=true
"""


class Site(run.Combo):
    """The archive under test: its files, database, environment and supervisord."""

    def __init__(self, options, server):
        super().__init__(options.articles, "postgresql", options)
        self.server = server
        self.dir = OUT
        self.var = OUT / "var"
        self.index = OUT / "index"
        self.whoosh = OUT / "whoosh"
        self.logs = OUT / "logs"
        self.pg_name = "bench_faults"
        self.port = run.free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.supervisor = None
        self.settled_at = None

    @property
    def database_url(self):
        return f"{self.server.url}/{self.pg_name}"

    def env(self, settings="newsarchive.settings.prod"):
        env = super().env(settings)
        env.update(
            {
                "GUNICORN_BIND": f"127.0.0.1:{self.port}",
                "GUNICORN_WORKERS": "2",
                "GUNICORN_ACCESS_LOG": str(self.logs / "access.log"),
                "GUNICORN_LOG_LEVEL": "warning",
            }
        )
        return env

    def prepare(self, corpus):
        for directory in (self.var, self.logs):
            directory.mkdir(parents=True, exist_ok=True)
        self.drop_database()
        subprocess.run(self.server.psql("-c", f"CREATE DATABASE {self.pg_name}"), check=True)
        self.manage("migrate", "--noinput", "-v0")
        self.manage("load_seed", "-v0")
        # The import's catch-up builds the index, as a new install's indexer does.
        self.worker("import", corpus=corpus.path, mode="deferred")
        run.ensure_static(self)

    def drop_database(self):
        drop = f"DROP DATABASE IF EXISTS {self.pg_name} WITH (FORCE)"
        subprocess.run(self.server.psql("-c", drop), check=True, capture_output=True)

    def start(self):
        conf = OUT / "supervisord.conf"
        conf.write_text(
            SUPERVISORD_CONF.format(
                repo=run.REPO, out=OUT, logs=self.logs, bin=run.BIN, python=run.PYTHON
            )
        )
        stream = open(self.logs / "supervisord.out", "a")  # noqa: SIM115  (lives with the process)
        self.supervisor = subprocess.Popen(
            [str(run.BIN / "supervisord"), "--configuration", str(conf)],
            env=self.env(),
            cwd=run.REPO,
            stdout=stream,
            stderr=stream,
        )

    def stop(self):
        if self.supervisor is not None and self.supervisor.poll() is None:
            run.stop(self.supervisor, timeout=60)

    def program(self, marker):
        """The pid of the supervisord program whose command line holds ``marker``, or None."""
        for pid in run.children(self.supervisor.pid):
            if marker in command_line(pid):
                return pid
        return None

    def workers(self):
        master = self.program("gunicorn")
        return run.children(master) if master else []

    def processes(self):
        return {"gunicorn_workers": self.workers(), "indexer": self.program("run_indexer")}

    def settle(self, limit=SETTLE_LIMIT):
        """Wait until two workers answer and the index has applied the whole log; seconds."""
        started = time.monotonic()
        while time.monotonic() - started < limit:
            if self.supervisor.poll() is not None:
                raise RuntimeError(f"supervisord exited ({self.logs / 'supervisord.log'})")
            status, body = health(self.base)
            if (
                status == 200
                and body["index"].get("lag_changes") == 0
                and len(self.workers()) == 2
                and self.program("run_indexer")
            ):
                self.settled_at = time.monotonic()
                return self.settled_at - started
            time.sleep(HEALTH_INTERVAL)
        raise RuntimeError(f"the site did not settle within {limit} s (logs in {self.logs})")


def command_line(pid):
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def health(base, timeout=5):
    """(status, body) of /healthz; (None, None) when nothing answers."""
    try:
        with urllib.request.urlopen(base + "/healthz", timeout=timeout) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, None
    except (OSError, http.client.HTTPException, ValueError):
        return None, None


# -- the load ----------------------------------------------------------------------------------


class Readers:
    """--clients threads, each on its own connection, recording every request:
    (started, ended, kind, status or None, Retry-After or the connection error's name)."""

    def __init__(self, site, paths, clients, deadline):
        self.site = site
        self.paths = paths
        self.deadline = deadline
        self.records = [[] for _ in range(clients)]
        self.unexpected = []  # (path, status, body) of the first few 5xx other than 503
        self.threads = [
            threading.Thread(target=self.client, args=(n,), daemon=True) for n in range(clients)
        ]

    def start(self):
        for thread in self.threads:
            thread.start()

    def join(self):
        for thread in self.threads:
            thread.join()
        return sorted((r for records in self.records for r in records), key=lambda r: r[0])

    def pick(self, rng):
        kind = rng.choices(("api", "article", "front"), weights=(6, 3, 1))[0]
        path = rng.choice(self.paths[kind])
        if kind == "api":
            # An ignored parameter, so that the page cache does not answer every search.
            path += f"&r={rng.getrandbits(32)}"
        return kind, path

    def client(self, number):
        rng = random.Random(number)
        records = self.records[number]
        connection = http.client.HTTPConnection("127.0.0.1", self.site.port, timeout=30)
        while time.monotonic() < self.deadline:
            kind, path = self.pick(rng)
            started = time.monotonic()
            try:
                connection.request("GET", path)
                response = connection.getresponse()
                body = response.read()
            except (OSError, http.client.HTTPException) as error:
                connection.close()
                records.append((started, time.monotonic(), kind, None, type(error).__name__))
                time.sleep(FAILURE_PAUSE)
                continue
            records.append(
                (
                    started,
                    time.monotonic(),
                    kind,
                    response.status,
                    response.getheader("Retry-After"),
                )
            )
            if response.status >= 500:
                if response.status != 503 and len(self.unexpected) < 5:
                    self.unexpected.append(
                        (path, response.status, body[:3000].decode(errors="replace"))
                    )
                time.sleep(FAILURE_PAUSE)
        connection.close()


class HealthWatch:
    """/healthz every HEALTH_INTERVAL seconds: (time, status, lag in changes, lag in seconds)."""

    def __init__(self, base):
        self.base = base
        self.samples = []
        self.done = threading.Event()
        self.thread = threading.Thread(target=self.watch, daemon=True)

    def watch(self):
        while not self.done.is_set():
            status, body = health(self.base)
            index = (body or {}).get("index", {})
            self.samples.append(
                (time.monotonic(), status, index.get("lag_changes"), index.get("lag_seconds"))
            )
            self.done.wait(HEALTH_INTERVAL)


def caught_up(sample):
    """Whether a /healthz reading shows the index caught up: no change pending for
    CAUGHT_UP_SECONDS or longer (an edit every 0.2 s keeps a change or two pending under load)."""
    _t, status, lag, lag_seconds = sample
    return status == 200 and (
        lag == 0 or (lag_seconds is not None and lag_seconds < CAUGHT_UP_SECONDS)
    )


# -- the editor (its own process, with Django) -----------------------------------------------


def editor(argv):
    """python -m bench.faults _editor --out FILE --seconds S: an edit every EDIT_INTERVAL s.

    Prints "ready" once Django is set up. Each attempt appends a line to FILE: the time, the
    token, and "committed" only when the transaction's commit returned. At the end, once the
    database answers again, a last line says which committed tokens the database holds.
    """
    parser = argparse.ArgumentParser(prog="python -m bench.faults _editor")
    parser.add_argument("--out", required=True)
    parser.add_argument("--seconds", type=float, required=True)
    args = parser.parse_args(argv)

    import django

    django.setup()
    from django.db import DatabaseError, connection, transaction

    from articles.models import Article, Section

    pks = list(Article.objects.published().values_list("pk", flat=True))
    rng = random.Random()
    print("ready", flush=True)
    started = time.monotonic()
    with open(args.out, "w") as stream:
        tick = 0
        while time.monotonic() < started + args.seconds:
            token = TOKEN_PREFIX + secrets.token_hex(5)
            pk = rng.choice(pks)
            record = {"t": time.monotonic(), "token": token, "article": pk}
            try:
                with transaction.atomic():  # what the admin's change view does
                    article = Article.objects.get(pk=pk)
                    section = article.sections.order_by("position", "id").first()
                    section.body = f"{section.body}\n\n编辑补记{token}。"
                    section.save()
                    article.save()
                record["outcome"] = "committed"
            except DatabaseError as error:
                record["outcome"] = "failed"
                record["error"] = f"{type(error).__name__}: {str(error).strip()}".splitlines()[0]
                connection.close()
            record["ended"] = time.monotonic()
            stream.write(json.dumps(record, ensure_ascii=False) + "\n")
            stream.flush()
            tick += 1
            time.sleep(max(0.0, started + tick * EDIT_INTERVAL - time.monotonic()))

        # Which edits the database holds, committed or not (a commit whose answer was lost).
        tried = {}
        for line in Path(args.out).read_text().splitlines():
            record = json.loads(line)
            tried[record["token"]] = record["article"]
        bodies = None
        for _attempt in range(120):
            try:
                bodies = {}
                for article, body in Section.objects.filter(
                    article__in=set(tried.values())
                ).values_list("article", "body"):
                    bodies[article] = bodies.get(article, "") + body
                break
            except DatabaseError:
                connection.close()
                time.sleep(1)
        if bodies is None:
            raise RuntimeError("the database did not answer for two minutes after the load")
        present = [token for token, pk in tried.items() if token in bodies.get(pk, "")]
        stream.write(json.dumps({"in_database": present}) + "\n")


class Editor:
    """The editor's process, seen from the benchmark."""

    def __init__(self, site, phase, seconds):
        self.out = OUT / f"edits-{phase}.jsonl"
        self.log = open(site.logs / "editor.log", "a")  # noqa: SIM115  (closed in finish)
        command = [run.PYTHON, "-m", "bench.faults", "_editor", "--out", str(self.out)]
        self.process = subprocess.Popen(
            [*command, "--seconds", str(seconds)],
            env=site.env(),
            cwd=run.REPO,
            stdout=subprocess.PIPE,
            stderr=self.log,
            text=True,
        )
        if self.process.stdout.readline().strip() != "ready":
            raise RuntimeError(f"the editor did not start (see {site.logs / 'editor.log'})")

    def finish(self, timeout=180):
        self.process.wait(timeout=timeout)
        self.log.close()
        lines = [json.loads(line) for line in self.out.read_text().splitlines()]
        if not lines or "in_database" not in lines[-1]:
            raise RuntimeError(f"the editor did not finish its check ({self.out})")
        return lines[:-1], set(lines[-1]["in_database"])


# -- the faults ------------------------------------------------------------------------------


def inject(site, phase):
    """Do the phase's harm; what was done, for the report."""
    if phase == "worker":
        victim = site.workers()[0]
        os.kill(victim, 9)
        return {"killed": victim, "was": "gunicorn worker"}
    if phase == "indexer":
        victim = site.program("run_indexer")
        os.kill(victim, 9)
        return {"killed": victim, "was": "run_indexer"}
    if phase == "postgres":
        refused = site.server.refused()  # again: a client may have come since the phase began
        if refused:
            return {"refused": refused}
        started = time.monotonic()
        site.server.restart()
        return {"restart_s": time.monotonic() - started, "server": site.server.name}
    return {}


class SharedServer:
    """The server bench.run uses (DATABASE_URL's, or the one scripts/postgres sets up). Its
    restart is the local cluster's, which drops every client's connections: it is refused while
    other databases have clients, unless --force-restart."""

    name = f"the shared cluster {PG_VERSION}/{PG_CLUSTER}"

    def __init__(self, options):
        self.force = options.force_restart

    @property
    def url(self):
        return run.pg_server()

    def psql(self, *arguments):
        return run.psql(*arguments)

    def start(self):
        pass

    def stop(self, keep):
        pass

    def refused(self):
        """Why the restart must not run, or None."""
        host = urllib.parse.urlsplit(self.url).hostname
        if host not in ("127.0.0.1", "localhost", "::1"):
            return f"the server ({host}) is not the local cluster {PG_VERSION}/{PG_CLUSTER}"
        if self.force:
            return None
        others = subprocess.run(
            self.psql(
                "-c",
                "SELECT datname || ' (' || count(*) || ')' FROM pg_stat_activity "
                "WHERE backend_type = 'client backend' AND pid <> pg_backend_pid() "
                "AND datname <> 'bench_faults' GROUP BY datname",
            ),
            capture_output=True,
            text=True,
            check=True,
        ).stdout.splitlines()
        if others:
            return (
                f"other databases on the server have clients: {', '.join(others)} "
                "(--own-cluster, or --force-restart)"
            )
        return None

    def restart(self):
        # The server keeps its own priority, whatever `nice` this benchmark runs under.
        adjustment = self.postmaster_nice() - os.getpriority(os.PRIO_PROCESS, 0)
        subprocess.run(
            ["nice", "-n", str(adjustment), "pg_ctlcluster", "--skip-systemctl-redirect", *RESTART],
            check=True,
            capture_output=True,
        )

    def postmaster_nice(self):
        """The niceness of the running server (0 when it cannot be read)."""
        listing = subprocess.run(["pg_lsclusters", "--no-header"], capture_output=True, text=True)
        for line in listing.stdout.splitlines():
            fields = line.split()
            if fields[:2] == [PG_VERSION, PG_CLUSTER]:
                try:
                    pid = int((Path(fields[5]) / "postmaster.pid").read_text().split()[0])
                    return os.getpriority(os.PRIO_PROCESS, pid)
                except (OSError, ValueError, IndexError):
                    break
        return 0


class OwnCluster:
    """--own-cluster: a throwaway PostgreSQL cluster in bench/out/faults/pg, on a port of its
    own, so that restarting it drops nobody else's connections. PostgreSQL will not run as
    root: its commands run as the postgres user."""

    def __init__(self):
        self.dir = OUT / "pg"
        self.data = self.dir / "data"
        self.password_file = self.dir / "password"
        self.port = run.free_port()
        self.name = "a cluster of its own in bench/out/faults/pg"

    @property
    def url(self):
        password = self.password_file.read_text().strip()
        return f"postgres://bench:{password}@127.0.0.1:{self.port}"

    def psql(self, *arguments):
        return ["psql", f"{self.url}/postgres", "-v", "ON_ERROR_STOP=1", "-tAq", *arguments]

    def command(self, program, *arguments):
        binary = f"/usr/lib/postgresql/{PG_VERSION}/bin/{program}"
        return ["runuser", "-u", "postgres", "--", binary, *arguments]

    def pg_ctl(self, *arguments):
        log_file = str(self.dir / "server.log")
        subprocess.run(
            self.command("pg_ctl", "-D", str(self.data), "-l", log_file, "-w", *arguments),
            check=True,
            stdout=subprocess.DEVNULL,
        )

    def start(self):
        if not self.data.exists():
            self.dir.mkdir(parents=True)
            self.password_file.write_text(secrets.token_hex(20) + "\n")
            for path in (self.dir, self.password_file):
                shutil.chown(path, "postgres", "postgres")
                path.chmod(0o700 if path.is_dir() else 0o600)
            subprocess.run(
                self.command(
                    "initdb",
                    *("-D", str(self.data), "-U", "bench", "--pwfile", str(self.password_file)),
                    *("--auth=scram-sha-256", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"),
                ),
                check=True,
                stdout=subprocess.DEVNULL,
            )
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1"
        self.pg_ctl("-o", options, "start")

    def stop(self, keep):
        self.pg_ctl("-m", "fast", "stop")
        if not keep:
            shutil.rmtree(self.dir)

    def refused(self):
        return None

    def restart(self):
        self.pg_ctl("-m", "fast", "restart")


# -- one phase -------------------------------------------------------------------------------


def run_phase(site, phase, paths, options):
    result = {"phase": phase, "fault": PHASES[phase], "loadavg": round(os.getloadavg()[0], 2)}
    if phase == "postgres":
        refused = site.server.refused()
        if refused:
            return {**result, "skipped": refused}
    result["settle_s"] = site.settle()
    before = site.processes()
    editor_process = Editor(site, phase, options.seconds)
    watch = HealthWatch(site.base)
    started = time.monotonic()
    readers = Readers(site, paths, options.clients, started + options.seconds)
    readers.start()
    watch.thread.start()
    injected_at = None
    if phase != "baseline":
        time.sleep(max(0.0, started + options.inject_at - time.monotonic()))
        injected_at = time.monotonic()
        result["injection"] = inject(site, phase)
        result["injected_at_s"] = injected_at - started
        run.log(f"  {PHASES[phase]}: {result['injection']}")
    records = readers.join()
    ended = time.monotonic()
    edits, in_database = editor_process.finish()
    result["catch_up_s"] = site.settle()  # after the load: the index has applied every edit
    watch.done.set()
    watch.thread.join()
    # The reading that ended the wait, in case the watch stopped before it saw one like it.
    watch.samples.append((site.settled_at, 200, 0, 0.0))
    watch.samples.sort(key=lambda sample: sample[0])
    result["after"] = site.processes()
    result["before"] = before
    result["duration_s"] = ended - started
    result["requests"] = summarise(records, started, injected_at)
    result["health"] = health_recovery(watch.samples, injected_at)
    result["health_samples"] = [(round(t - started, 2), *rest) for t, *rest in watch.samples]
    result["edits"] = check_edits(site, edits, in_database)
    result["unexpected"] = readers.unexpected
    if "refused" in result.get("injection", {}):
        return {"phase": phase, "fault": PHASES[phase], "skipped": result["injection"]["refused"]}
    return result


def summarise(records, started, injected_at):
    statuses = [status for _s, _e, _k, status, _x in records]
    served = [record for record in records if record[3] is not None]
    result = {
        "total": len(records),
        "2xx": sum(1 for s in statuses if s is not None and 200 <= s < 300),
        "503": sum(1 for s in statuses if s == 503),
        "503_without_retry_after": sum(1 for r in served if r[3] == 503 and not r[4]),
        "4xx": sum(1 for s in statuses if s is not None and 400 <= s < 500),
        "5xx_other": sum(1 for s in statuses if s is not None and s >= 500 and s != 503),
        "other": sum(1 for s in statuses if s is not None and (s < 200 or 300 <= s < 400)),
        "connection_errors": sum(1 for s in statuses if s is None),
    }
    result["by_status"] = {}
    for _s, _e, kind, status, extra in records:
        key = f"{kind} {status if status is not None else extra}"
        result["by_status"][key] = result["by_status"].get(key, 0) + 1
    latencies = sorted(e - s for s, e, _k, status, _x in served if 200 <= status < 300)
    if latencies:
        result["p50_ms"] = latencies[len(latencies) // 2] * 1000
        result["p95_ms"] = latencies[int(len(latencies) * 0.95)] * 1000
    failures = [r for r in records if r[3] is None or r[3] >= 500]
    if failures:
        result["failures_from_s"] = min(r[1] for r in failures) - started
        result["failures_to_s"] = max(r[1] for r in failures) - started
    if injected_at is not None:
        result["recovery_s"] = recovery(records, injected_at)
    return result


def recovery(records, injected_at):
    """Seconds from the injection to the first 2xx after the last failure; 0 with no failure."""
    after = [r for r in records if r[1] >= injected_at]
    failures = [r[1] for r in after if r[3] is None or r[3] >= 500]
    if not failures:
        return 0.0
    last = max(failures)
    back = [r[1] for r in after if r[3] is not None and 200 <= r[3] < 300 and r[1] > last]
    return min(back) - injected_at if back else None


def health_recovery(samples, injected_at):
    """Seconds from the injection until /healthz shows the index caught up again, after the
    first reading that did not (0 when none did)."""
    result = {
        "samples": len(samples),
        "behind": sum(1 for sample in samples if not caught_up(sample)),
        "503": sum(1 for _t, status, _l, _s in samples if status == 503),
        "max_lag": max((lag or 0 for _t, _s, lag, _l in samples), default=0),
        "max_lag_s": max((seconds or 0 for _t, _s, _l, seconds in samples), default=0),
    }
    if injected_at is None:
        return result
    after = [sample for sample in samples if sample[0] >= injected_at]
    behind = next((n for n, sample in enumerate(after) if not caught_up(sample)), None)
    if behind is None:
        result["recovery_s"] = 0.0
        return result
    back = next((sample[0] for sample in after[behind:] if caught_up(sample)), None)
    result["recovery_s"] = back - injected_at if back is not None else None
    return result


def check_edits(site, edits, in_database):
    """Every committed edit in the database and found by the search API (the index caught up)."""
    committed = [edit["token"] for edit in edits if edit["outcome"] == "committed"]
    failed = [edit for edit in edits if edit["outcome"] == "failed"]
    searchable = {token for token in committed if found(site.base, token)}
    missing = [token for token in committed if token not in searchable]
    if missing:  # one more look, in case a worker had not yet reloaded the index
        time.sleep(2)
        searchable |= {token for token in missing if found(site.base, token)}
    control = TOKEN_PREFIX + secrets.token_hex(5)  # never saved: finding it would be a blind check
    errors = {}
    for edit in failed:
        errors[edit["error"]] = errors.get(edit["error"], 0) + 1
    return {
        "attempted": len(edits),
        "committed": len(committed),
        "failed": len(failed),
        "failed_but_stored": sum(1 for edit in failed if edit["token"] in in_database),
        "failure_kinds": errors,
        "lost_database": sorted(set(committed) - in_database),
        "lost_search": sorted(set(committed) - searchable),
        "control_found": found(site.base, control),
    }


def found(base, token):
    query = urllib.parse.urlencode({"q": f'"{token}"'})
    with urllib.request.urlopen(f"{base}/api/search/?{query}", timeout=30) as response:
        answer = json.loads(response.read())
    return answer["count"] > 0 and not answer["fallback"]  # not a question's partial matches


# -- the run ---------------------------------------------------------------------------------


def reader_paths(site, corpus):
    queries = [query for query in corpus.queries if query.cls != "question"]
    api = ["/api/search/?" + urllib.parse.urlencode({"q": q.q, **q.params}) for q in queries]
    articles = site.worker("urls", runs=200)["urls"]
    return {"api": api, "article": articles, "front": ["/"]}


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="python -m bench.faults", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--seconds", type=float, default=60, help="of load in each phase")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument(
        "--inject-at", type=float, help="seconds into a phase (default: 10, or a quarter of it)"
    )
    parser.add_argument("--articles", type=int, default=2000, help="in the generated archive")
    parser.add_argument("--phases", nargs="+", choices=PHASES, default=list(PHASES))
    parser.add_argument("--report", default=str(run.REPO / "bench" / "FAULTS.md"))
    parser.add_argument("--keep", action="store_true", help="keep the bench_faults database")
    parser.add_argument(
        "--reuse", action="store_true", help="use the database and index a --keep run left"
    )
    parser.add_argument(
        "--own-cluster",
        action="store_true",
        help="run PostgreSQL in a cluster of its own, which only this benchmark uses",
    )
    parser.add_argument(
        "--force-restart",
        action="store_true",
        help="restart PostgreSQL even when other databases on it have clients",
    )
    options = parser.parse_args(argv)
    if options.inject_at is None:
        options.inject_at = min(10.0, options.seconds / 4)
    options.quick = False
    options.secret = secrets.token_urlsafe(50)
    return options


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["_editor"]:
        return editor(argv[1:])
    options = parse_args(argv)
    started = time.perf_counter()
    if not options.reuse:
        shutil.rmtree(OUT, ignore_errors=True)
    server = OwnCluster() if options.own_cluster else SharedServer(options)
    site = Site(options, server)
    corpus = corpus_module.generate(options.articles, run.OUT / f"corpus-{options.articles}")
    results = []
    server.start()
    try:
        run.log(f"an archive of {options.articles} articles on PostgreSQL, {server.name}")
        if not options.reuse:
            site.prepare(corpus)
        paths = reader_paths(site, corpus)
        info = run.machine([])
        info["postgresql"] = subprocess.run(
            server.psql("-c", "SHOW server_version"), capture_output=True, text=True, check=True
        ).stdout.strip()
        run.log("supervisord: gunicorn and the indexer")
        site.start()
        site.settle()
        for phase in options.phases:
            run.log(f"{phase}: {options.clients} readers and an editor for {options.seconds:g} s")
            results.append(run_phase(site, phase, paths, options))
            run.log(f"  {faults_report.brief(results[-1])}")
    finally:
        site.stop()
        if not options.keep:
            site.drop_database()
        server.stop(options.keep)
    info["server"] = server.name
    info["command"] = "python -m bench.faults " + " ".join(argv)
    info["wall_s"] = time.perf_counter() - started
    info["setup"] = {
        "clients": options.clients,
        "seconds": options.seconds,
        "inject_at": options.inject_at,
        "articles": options.articles,
        "edit_interval": EDIT_INTERVAL,
        "failure_pause": FAILURE_PAUSE,
        "health_interval": HEALTH_INTERVAL,
        "caught_up_seconds": CAUGHT_UP_SECONDS,
    }
    (OUT / "results.json").write_text(
        json.dumps({"machine": info, "phases": results}, ensure_ascii=False, indent=1)
    )
    Path(options.report).write_text(faults_report.render(results, info))
    run.log(f"wrote {options.report}")
    return 0 if all(faults_report.passed(result) for result in results) else 1


if __name__ == "__main__":
    sys.exit(main())
