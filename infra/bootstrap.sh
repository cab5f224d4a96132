# shellcheck shell=bash
# Prepares a machine for the project; shared by `make demo`, `make bootstrap` and .ci/run.
#
#   source infra/bootstrap.sh && mca_bootstrap      # system packages, .venv, Kafka jars
#   mca_start_postgres                              # Debian's cluster + role/database mca;
#                                                   # exports MCA_TEST_DATABASE_URL
#   mca_stop_started                                # stops only what these functions started
#
# Idempotent and quick when everything is present: packages are checked with dpkg, the
# virtualenv is reinstalled only when pyproject.toml changed (stamp file), and the Kafka
# classpath is cached per pom (infra/stack/classpath.py). Meant to be sourced: it never exits
# the caller's shell; each function returns non-zero on failure.

MCA_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
MCA_VENV="${MCA_VENV:-$MCA_ROOT/.venv}"
MCA_APT_PACKAGES=(openjdk-17-jre-headless maven tesseract-ocr tesseract-ocr-eng postgresql dovecot-imapd
    chromium chromium-driver)
_MCA_APT_UPDATED=""
_MCA_STARTED_POSTGRES=""

mca_log() { printf 'bootstrap: %s\n' "$*" >&2; }

# Run as root: directly when we are root, else through non-interactive sudo.
_mca_as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo -n "$@"; fi
}

# Run as the postgres system user (PostgreSQL refuses to run as root).
_mca_as_postgres() {
    if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else sudo -n -u postgres "$@"; fi
}

_mca_installed() {
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"
}

# A Python 3.11 interpreter with venv support, or nothing.
_mca_python() {
    local candidate
    for candidate in ${MCA_PYTHON:-} python3.11 python3; do
        if command -v "$candidate" >/dev/null 2>&1 \
            && "$candidate" -c 'import sys, venv, ensurepip; sys.exit(sys.version_info[:2] != (3, 11))' \
                >/dev/null 2>&1; then
            command -v "$candidate"
            return 0
        fi
    done
    return 1
}

# Install whichever of the system packages are missing (apt-get update at most once).
mca_install_packages() {
    local missing=() package
    for package in "${MCA_APT_PACKAGES[@]}"; do
        _mca_installed "$package" || missing+=("$package")
    done
    command -v make >/dev/null 2>&1 || missing+=(make)
    _mca_python >/dev/null || missing+=(python3 python3-venv)
    [ "${#missing[@]}" -eq 0 ] && return 0
    if ! command -v apt-get >/dev/null 2>&1; then
        mca_log "not a Debian system; install these yourself: ${missing[*]}"
        return 0
    fi
    mca_log "installing ${missing[*]}"
    # Keep apt from starting the daemons it installs: the tests start their own PostgreSQL/Dovecot.
    local policy=/usr/sbin/policy-rc.d added_policy=""
    if [ ! -e "$policy" ]; then
        printf '#!/bin/sh\nexit 101\n' | _mca_as_root tee "$policy" >/dev/null \
            && _mca_as_root chmod 755 "$policy" && added_policy=1
    fi
    local status=0
    if [ -z "$_MCA_APT_UPDATED" ]; then
        _mca_as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq && _MCA_APT_UPDATED=1 || status=1
    fi
    if [ "$status" -eq 0 ]; then
        _mca_as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
            "${missing[@]}" >/dev/null || status=1
    fi
    [ -n "$added_policy" ] && _mca_as_root rm -f "$policy"
    [ "$status" -eq 0 ] || mca_log "apt-get failed for: ${missing[*]}"
    return "$status"
}

# Create .venv and install the project with its dev extras when pyproject.toml changed.
mca_install_python() {
    local python stamp digest
    python="$(_mca_python)" || { mca_log "no Python 3.11 with venv found"; return 1; }
    if [ ! -x "$MCA_VENV/bin/python" ]; then
        mca_log "creating $MCA_VENV with $python"
        "$python" -m venv "$MCA_VENV" || return 1
    fi
    stamp="$MCA_VENV/.mca-pyproject.sha256"
    digest="$(sha256sum "$MCA_ROOT/pyproject.toml" | cut -d' ' -f1)"
    if [ "$(cat "$stamp" 2>/dev/null)" = "$digest" ] && [ -x "$MCA_VENV/bin/mca" ]; then
        return 0
    fi
    mca_log "installing the project into $MCA_VENV (pip install -e .[dev])"
    (cd "$MCA_ROOT" && "$MCA_VENV/bin/python" -m pip install -q --disable-pip-version-check -e '.[dev]') \
        || return 1
    printf '%s\n' "$digest" >"$stamp"
}

# Resolve (or reuse) Apache Kafka's jars through Maven.
mca_resolve_kafka() {
    (cd "$MCA_ROOT" && "$MCA_VENV/bin/python" -m infra.stack.classpath) || {
        mca_log "could not resolve the Kafka classpath with Maven"
        return 1
    }
}

mca_bootstrap() {
    mca_install_packages || return 1
    mca_install_python || return 1
    mca_resolve_kafka || return 1
}

# Start Debian's PostgreSQL cluster if it is down, make sure role and database mca exist with a
# known password, and export MCA_TEST_DATABASE_URL for the tests.
mca_start_postgres() {
    command -v pg_lsclusters >/dev/null 2>&1 || { mca_log "PostgreSQL is not installed"; return 1; }
    local version name port state
    read -r version name port state _ < <(pg_lsclusters --no-header | head -n 1)
    if [ -z "$version" ]; then
        version="$(ls /usr/lib/postgresql | sort -V | tail -n 1)"
        name=main
        mca_log "creating PostgreSQL cluster $version/$name"
        _mca_as_root pg_createcluster "$version" "$name" >/dev/null || return 1
        read -r version name port state _ < <(pg_lsclusters --no-header | head -n 1)
    fi
    if [ "$state" != "online" ]; then
        mca_log "starting PostgreSQL $version/$name on port $port"
        _mca_as_root pg_ctlcluster "$version" "$name" start || return 1
        _MCA_STARTED_POSTGRES="$version $name"
    fi
    pg_isready -q -h 127.0.0.1 -p "$port" -t 30 || { mca_log "PostgreSQL does not answer"; return 1; }

    # One password per machine user, so every checkout (and CI's fresh clone) agrees on it.
    local secret_dir="${XDG_CONFIG_HOME:-$HOME/.config}/mca" secret_file password
    secret_file="$secret_dir/postgres-password"
    if [ ! -s "$secret_file" ]; then
        mkdir -p "$secret_dir" && (umask 077 && od -An -tx1 -N16 /dev/urandom | tr -d ' \n' >"$secret_file") \
            || return 1
    fi
    password="$(cat "$secret_file")"
    (cd / && _mca_as_postgres psql -X -q -v ON_ERROR_STOP=1 -p "$port") >/dev/null <<SQL || return 1
DO \$\$BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'mca') THEN CREATE ROLE mca LOGIN; END IF;
END\$\$;
ALTER ROLE mca WITH LOGIN CREATEDB PASSWORD '$password';
SELECT 'CREATE DATABASE mca OWNER mca' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'mca')\gexec
SQL
    export MCA_TEST_DATABASE_URL="postgresql+psycopg://mca:${password}@127.0.0.1:${port}/mca"
    mca_log "PostgreSQL ready at postgresql+psycopg://mca:***@127.0.0.1:${port}/mca"
}

# Stop what mca_start_postgres started (nothing that was already running).
mca_stop_started() {
    if [ -n "$_MCA_STARTED_POSTGRES" ]; then
        mca_log "stopping PostgreSQL $_MCA_STARTED_POSTGRES"
        # shellcheck disable=SC2086  # "version name" splits into two arguments on purpose
        _mca_as_root pg_ctlcluster $_MCA_STARTED_POSTGRES stop || true
        _MCA_STARTED_POSTGRES=""
    fi
}
