#!/usr/bin/env bash
# Helpers shared by the scripts (db, run, test, the benchmarks and the drills). Sourced, never
# executed: each script sets HERALD_SCRIPT (its name, for messages) before using these. What is
# more than launching (load generators, analyses, reports) lives in tools/herald_tools (Python,
# standard library only), run through herald_py.
set -euo pipefail # the callers' options too; repeated so the helpers never run without them
if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
    echo "scripts/lib.sh is a library: source it from another script" >&2
    exit 2
fi
#
# Everything here writes to stderr, because callers reserve stdout for machine-readable
# output (scripts/db start's last line is the database URL that other scripts capture).

# Where Debian's postgresql-15 package puts the server and client binaries. Called by full
# path because a stock Debian box has none of them on PATH (only psql through a wrapper).
# shellcheck disable=SC2034 # used by the sourcing scripts
HERALD_PG_BIN=/usr/lib/postgresql/15/bin
# The checkout this library belongs to.
HERALD_ROOT="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)"

herald_say() {
    printf '%s: %s\n' "${HERALD_SCRIPT:-herald}" "$*" >&2
}

herald_die() {
    herald_say "error: $*"
    exit 1
}

# Runs a command as root: directly when we are root (CI, containers), through sudo otherwise,
# so a developer's machine asks for a password instead of failing.
herald_as_root() {
    if [[ $(id -u) -eq 0 ]]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo "$@"
    else
        herald_die "need root to run '$*' and sudo is not installed"
    fi
}

# True when a Debian package is fully installed. dpkg-query is local and instant, so asking
# it first keeps a second run from touching apt (slow, needs the network and root).
herald_pkg_installed() {
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

# Installs whichever of the given Debian packages are missing, with a single apt run.
herald_ensure_packages() {
    if ! command -v dpkg-query >/dev/null 2>&1; then
        # Not Debian: the scripts cannot install anything, so trust the caller and let the
        # build or initdb fail with its own message if something is really missing.
        herald_say "no dpkg here; assuming $* are installed"
        return 0
    fi
    local pkg missing=()
    for pkg in "$@"; do
        herald_pkg_installed "$pkg" || missing+=("$pkg")
    done
    [[ ${#missing[@]} -eq 0 ]] && return 0

    herald_say "installing ${missing[*]} with apt-get"
    # Packages such as prometheus (for promtool) and postgresql-15 start a system service when
    # installed; the scripts need only their programs (scripts/db runs its own cluster). Unless
    # the machine already has a policy (Docker images do), one that refuses every service start
    # is put in place for this install and taken away after it.
    local policy=/usr/sbin/policy-rc.d added_policy=0
    if [[ ! -e $policy ]]; then
        herald_as_root sh -c "printf '#!/bin/sh\n# scripts/lib.sh: no service starts during this install\nexit 101\n' >$policy && chmod 755 $policy"
        added_policy=1
    fi
    # noninteractive: CI has no terminal, and tzdata/postgresql-common would otherwise prompt.
    # apt-get's own output goes to stderr so it cannot pollute a captured stdout.
    local rc=0
    herald_as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q >&2 &&
        herald_as_root env DEBIAN_FRONTEND=noninteractive \
            apt-get install -y -q --no-install-recommends "${missing[@]}" >&2 || rc=$?
    if ((added_policy)); then herald_as_root rm -f "$policy"; fi
    return "$rc"
}

# Human-readable duration for summaries, e.g. "3m07s".
herald_duration() {
    local seconds=$1
    if ((seconds >= 60)); then
        printf '%dm%02ds' $((seconds / 60)) $((seconds % 60))
    else
        printf '%ds' "$seconds"
    fi
}

# Runs a module of tools/herald_tools, e.g. `herald_py chaos load ...` (python3 -m herald_tools.chaos).
herald_py() {
    PYTHONPATH="$HERALD_ROOT/tools${PYTHONPATH:+:$PYTHONPATH}" python3 -m "herald_tools.$1" "${@:2}"
}

# herald_write_doc_section SECTION_FILE: puts the section (which carries its own
# <!-- bench:NAME:start --> and <!-- bench:NAME:end --> markers) into docs/benchmarks.md in place
# of the section of the same name, or appends it when the doc has none; other sections are kept.
herald_write_doc_section() {
    herald_py doc_sections write "$HERALD_ROOT/docs/benchmarks.md" "$1"
}

# BYTES (default 24) random bytes as hex: safe in headers, URLs and shell files without quoting.
herald_random_secret() {
    od -An -N"${1:-24}" -tx1 /dev/urandom | tr -d ' \n'
}

# psql for scripts: no psqlrc, quiet, unaligned tuples only, stop at the first error. Drills set
# HERALD_PSQL_TIMEOUT (seconds) so a stuck statement cannot hang them; 0 (the default) is none.
herald_psql() {
    timeout "${HERALD_PSQL_TIMEOUT:-0}" "$HERALD_PG_BIN/psql" -X -q -At -v ON_ERROR_STOP=1 "$@"
}

# A TCP port nobody listens on right now; never 54329 (the developer's cluster).
herald_free_port() {
    herald_py processes free-port --not 54329
}

# Stops PID: SIGTERM, then SIGKILL when it is still there after 15 s; reaps it when it is our child.
herald_stop_pid() {
    local pid=$1 deadline=$((SECONDS + 15))
    kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
    kill -TERM "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then
        herald_say "pid $pid did not stop within 15 s of SIGTERM; killing it"
        kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
}

# herald_start_graph LOG_PREFIX ARGS...: fake-graph ($FAKE_GRAPH_BIN) on a free port with ARGS,
# its output in LOG_PREFIX.out and .log; waits (20 s at most) for the URL it prints. Sets
# GRAPH_PID and GRAPH_URL; the caller stops it (herald_stop_pid "$GRAPH_PID").
herald_start_graph() {
    local prefix=$1
    shift
    "$FAKE_GRAPH_BIN" --port 0 --log-level warning "$@" </dev/null >"$prefix.out" 2>"$prefix.log" &
    GRAPH_PID=$!
    local deadline=$((SECONDS + 20))
    GRAPH_URL=""
    until [[ -n $GRAPH_URL ]]; do
        GRAPH_URL="$(grep -Eo 'http://[0-9.]+:[0-9]+' "$prefix.out" 2>/dev/null | head -n 1 || true)"
        [[ -n $GRAPH_URL ]] && break
        kill -0 "$GRAPH_PID" 2>/dev/null || herald_die "fake-graph exited at start; see $prefix.log"
        ((SECONDS < deadline)) || herald_die "fake-graph did not start within 20 s; see $prefix.log"
        sleep 0.05
    done
}

# herald_wait_http URL PID WHAT: polls URL until it answers 2xx (30 s at most); dies when process
# PID exits first or the time runs out. WHAT names the process in the message.
herald_wait_http() {
    local deadline=$((SECONDS + 30))
    until curl -fs -o /dev/null --max-time 2 "$1"; do
        kill -0 "$2" 2>/dev/null || herald_die "$3 exited at start"
        ((SECONDS < deadline)) || herald_die "$3 did not answer $1 within 30 s"
        sleep 0.1
    done
}

# herald_seed_customers URL PAGE BASE COUNT NAME LOG: connects PAGE (named NAME) and creates COUNT
# customers (PSID BASE+k) who wrote an hour ago, each with a profile, through Herald's own code:
# `herald-bench seed customers` ($BENCH_BIN) connects the page with PageStore, stores one webhook
# per 100 customers and applies them with WebhookIngestor, then answers the profile jobs through
# ProfileFetch. Output and errors are appended to LOG.
herald_seed_customers() {
    HERALD_DATABASE_URL="$1" HERALD_LOG_LEVEL=warning timeout 600 "$BENCH_BIN" seed customers --page "$2" \
        --customer-base "$3" --customers "$4" --page-name "$5" >>"$6" 2>&1 ||
        herald_die "herald-bench seed customers failed; see $6"
}
