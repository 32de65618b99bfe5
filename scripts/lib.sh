#!/usr/bin/env bash
# Helpers shared by scripts/db, scripts/run and scripts/test. Sourced, never executed:
# each script sets HERALD_SCRIPT (its name, for messages) before using these.
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
