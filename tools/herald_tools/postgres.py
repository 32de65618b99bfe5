"""Postgres through psql, the client the scripts already use: no driver to install."""
import json
import subprocess

DEFAULT_PSQL = "/usr/lib/postgresql/15/bin/psql"


class PsqlError(RuntimeError):
    pass


def psql_command(url, sql, psql=DEFAULT_PSQL):
    """The argument list that runs `sql` against `url`: no psqlrc, quiet, unaligned tuples only,
    and stop at the first error (as the scripts' psql_q)."""
    return [psql, "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-d", url, "-c", sql]


def query(url, sql, psql=DEFAULT_PSQL, timeout=120):
    """psql's output for `sql`, stripped; raises PsqlError when psql fails."""
    result = subprocess.run(psql_command(url, sql, psql), capture_output=True, text=True, timeout=timeout)
    if result.returncode != 0:
        raise PsqlError("psql failed: " + result.stderr.strip())
    return result.stdout.strip()


def query_json(url, sql, psql=DEFAULT_PSQL, timeout=120):
    """A query that returns one JSON value (e.g. json_build_object(...)), decoded."""
    return json.loads(query(url, sql, psql, timeout))
