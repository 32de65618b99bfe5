"""What a drill scenario starts on the throwaway cluster: fresh migrated databases, rows seeded by
Herald's own code (herald-bench seed), fake-graph and herald processes. A Stack is a context
manager: every process it started is stopped when the scenario ends or aborts."""
import os
import re
import subprocess
import time
import urllib.error
import urllib.request

from herald_tools import postgres, processes
from herald_tools.drill import DrillAbort, stop_process

DEAD_GRAPH_URL = "http://127.0.0.1:9"  # nothing listens there: a drill without fake-graph sends nothing
PSQL_TIMEOUT = 120


def http(method, url, timeout=5.0):
    """(status, body) of one request; status "000" when no HTTP answer came (as curl -w '%{http_code}')."""
    request = urllib.request.Request(url, method=method)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return str(response.status), response.read()
    except urllib.error.HTTPError as error:
        return str(error.code), error.read()
    except (OSError, ValueError):
        return "000", b""


def http_ok(method, url, timeout=5.0):
    """The body of a request that must answer 2xx (as curl -fsS); DrillAbort otherwise."""
    status, body = http(method, url, timeout)
    if not status.startswith("2"):
        raise DrillAbort("%s %s answered %s" % (method, url, status))
    return body


class Stack:
    def __init__(self, config):
        self.config = config
        self.out = config.out_dir
        self.started = []
        self.graph_url = DEAD_GRAPH_URL

    def __enter__(self):
        return self

    def __exit__(self, *_):
        self.stop_all()
        return False

    def stop_all(self):
        while self.started:
            stop_process(self.started.pop())

    def path(self, name):
        return os.path.join(self.out, name)

    def rel(self, path):
        """A path for messages: relative to the checkout when inside it."""
        return os.path.relpath(path, self.config.root) if path.startswith(self.config.root + os.sep) else path

    def sql(self, url, text):
        return postgres.query(url, text, timeout=PSQL_TIMEOUT)

    def sql_int(self, url, text):
        return int(self.sql(url, text))

    # Databases and rows -------------------------------------------------------------------------

    def new_database(self, name):
        """A fresh database on the cluster, migrated by `herald migrate`; its URL."""
        admin = self.config.admin_url
        self.sql(admin, "DROP DATABASE IF EXISTS %s WITH (FORCE)" % name)
        self.sql(admin, "CREATE DATABASE %s" % name)
        url = self.config.cluster_url.rsplit("/", 1)[0] + "/" + name
        env = {"HERALD_DATABASE_URL": url, "HERALD_MIGRATIONS_DIR": self.config.migrations_dir,
               "HERALD_LOG_LEVEL": "warning"}
        self._run([self.config.herald, "migrate"], env, 120, "migrate.log", "herald migrate failed for " + name)
        return url

    def seed_customers(self, url, base, count):
        """One connected page and `count` customers (psid base+n) who wrote an hour ago, made by
        Herald's own code: herald-bench seed customers (PageStore, webhook ingest, ProfileFetch)."""
        self._run([self.config.herald_bench, "seed", "customers", "--page", self.config.page_id,
                   "--customer-base", str(base), "--customers", str(count), "--page-name", "Chaos Page"],
                  {"HERALD_DATABASE_URL": url, "HERALD_LOG_LEVEL": "warning"}, 600, "seed.log",
                  "herald-bench seed customers failed")

    def seed_messages(self, url, base, customers, count, max_attempts):
        """`count` queued supporter messages round-robin over the customers, each with its
        send_message job, created by OutboundStore.create (herald-bench seed messages)."""
        self._run([self.config.herald_bench, "seed", "messages", "--page", self.config.page_id,
                   "--customer-base", str(base), "--customers", str(customers), "--count", str(count),
                   "--max-attempts", str(max_attempts), "--text", "Chaos reply {n}: your parcel is on its way."],
                  {"HERALD_DATABASE_URL": url}, 300, "seed.log", "herald-bench seed messages failed")
        self.sql(url, "ANALYZE messages")
        self.sql(url, "ANALYZE jobs")

    def _run(self, argv, env, timeout, log, failure):
        with open(self.path(log), "a") as out:
            try:
                result = subprocess.run(argv, env=dict(os.environ, **env), stdin=subprocess.DEVNULL,
                                        stdout=out, stderr=out, timeout=timeout)
            except subprocess.TimeoutExpired:
                raise DrillAbort("%s (no end within %d s); see %s" % (failure, timeout, self.rel(self.path(log))))
        if result.returncode != 0:
            raise DrillAbort("%s; see %s" % (failure, self.rel(self.path(log))))

    def cluster(self, action, log):
        """scripts/db ACTION on the throwaway cluster (stop: a fast shutdown; start)."""
        command = self.config.cluster_command
        with open(self.path(log), "a") as err:
            result = subprocess.run(command["argv"] + [action], env=dict(os.environ, **command["env"]),
                                    stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err, timeout=180)
        if result.returncode != 0:
            raise DrillAbort("scripts/db %s failed; see %s" % (action, self.rel(self.path(log))))

    # Processes -----------------------------------------------------------------------------------

    def _spawn(self, argv, env, stdout, stderr):
        # A session of its own: a Ctrl-C at the terminal reaches this drill, which stops the
        # child itself, rather than the child dying half-way through a step.
        process = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL, stdout=stdout, stderr=stderr,
                                   start_new_session=True)
        self.started.append(process)
        return process

    def start_graph(self, name, *args):
        """fake-graph on a free port with `args`; waits (20 s at most) for the URL it prints.
        Its output goes to NAME.out and NAME.log. (process, url); the URL is also the one herald
        processes started after it use."""
        out_path, log_path = self.path(name + ".out"), self.path(name + ".log")
        with open(out_path, "w") as out, open(log_path, "w") as log:
            process = self._spawn([self.config.fake_graph, "--port", "0", "--log-level", "warning", *args],
                                  dict(os.environ), out, log)
        deadline = time.monotonic() + 20
        while True:
            with open(out_path) as f:
                found = re.search(r"http://[0-9.]+:[0-9]+", f.read())
            if found:
                self.graph_url = found.group(0)
                return process, self.graph_url
            if process.poll() is not None:
                raise DrillAbort("fake-graph exited at start; see " + self.rel(log_path))
            if time.monotonic() > deadline:
                raise DrillAbort("fake-graph did not start within 20 s; see " + self.rel(log_path))
            time.sleep(0.05)

    def herald_env(self, db_url, port=8080, extra=None):
        """herald's settings in every drill, then `extra` (a drill's own)."""
        config = self.config
        env = dict(os.environ, HERALD_DATABASE_URL=db_url, HERALD_MIGRATIONS_DIR=config.migrations_dir,
                   HERALD_LOG_LEVEL="warning", HERALD_APP_SECRET=config.app_secret,
                   HERALD_VERIFY_TOKEN=config.verify_token, HERALD_API_TOKEN=config.api_token,
                   HERALD_ADMIN_TOKEN=config.admin_token, HERALD_HOST="127.0.0.1", HERALD_PORT=str(port),
                   HERALD_GRAPH_URL=self.graph_url, HERALD_CONCURRENCY="4", HERALD_JOB_LEASE_SECONDS="30",
                   HERALD_RETRY_BASE_SECONDS="10", HERALD_MAX_ATTEMPTS="8", HERALD_DB_POOL_SIZE="8")
        env.update({k: str(v) for k, v in (extra or {}).items()})
        return env

    def start_herald(self, log, db_url, args, extra=None, port=8080):
        """herald ARGS with the common settings plus `extra`. The log (LOG.log) is appended to, so
        a restarted worker keeps one log per slot."""
        with open(self.path(log + ".log"), "a") as out:
            return self._spawn([self.config.herald, *args], self.herald_env(db_url, port, extra), out, out)

    def start_serve(self, log, db_url, extra=None):
        """herald serve on a free port, ready (/readyz 2xx within 30 s). (process, port, base URL)."""
        port = processes.free_port(avoid={54329})
        process = self.start_herald(log, db_url, ["serve"], extra, port)
        api = "http://127.0.0.1:%d" % port
        deadline = time.monotonic() + 30
        while http("GET", api + "/readyz", 2)[0][:1] != "2":
            if process.poll() is not None:
                raise DrillAbort("herald serve exited at start; see " + self.rel(self.path(log + ".log")))
            if time.monotonic() > deadline:
                raise DrillAbort("herald serve was not ready within 30 s")
            time.sleep(0.1)
        return process, port, api
