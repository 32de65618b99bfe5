"""The pgbench script of scripts/bench-send's ceiling: JobQueue's own claim statement and
completion clause (from `herald-bench statements`), their parameters written in, so pgbench
measures the very SQL the engine runs.

    herald-bench statements --limit 50 | python3 -m herald_tools.pgbench KIND LEASE_SECONDS > claim-complete.sql

Each pgbench client claims as worker 'pgbench-<client_id>' and completes what it holds (the
engine passes the claimed ids too; here the worker name selects the same rows)."""
import json
import re
import sys


def substitute(sql, values):
    """`sql` with each $n replaced by values[n] (a dict of SQL texts); every $n must be known."""
    def replace(match):
        number = int(match.group(1))
        if number not in values:
            raise ValueError("no value for $%d" % number)
        return values[number]
    return re.sub(r"\$(\d+)", replace, sql)


def claim_complete_script(statements, kind, lease_seconds):
    """pgbench's transaction: the claim, then the completion of this client's claimed jobs."""
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", kind):
        raise ValueError("job kind %r is not a plain name" % kind)
    worker = "'pgbench-' || (:client_id)::text"
    claim = substitute(statements["claim"], {1: "'{%s}'" % kind, 2: worker, 3: "now()", 4: str(int(lease_seconds))})
    completion = substitute(statements["completion"], {3: "now()"})
    return "%s;\nUPDATE jobs SET\n%s\nWHERE state = 'running' AND locked_by = %s;\n" % (
        claim.strip(), completion.strip("\n"), worker)


def main(argv):
    if len(argv) != 2:
        sys.exit(__doc__)
    sys.stdout.write(claim_complete_script(json.load(sys.stdin), argv[0], int(argv[1])))


if __name__ == "__main__":
    main(sys.argv[1:])
