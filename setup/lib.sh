# shellcheck shell=bash
# Shared by setup/install.sh, setup/start.sh and setup/test.sh: sourced, never run.
# Every step is idempotent: it checks what is already there and does only what is missing.

REPO_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV_DIR="${VENV_DIR:-$REPO_DIR/.venv}"
VAR_DIR="${VAR_DIR:-$REPO_DIR/var}"
PY="$VENV_DIR/bin/python"

# The exact Odoo 18.0 source installed when ODOO_SRC is not set: one dated
# nightly build, the same source the suite is tested against.
ODOO_NIGHTLY_VERSION="18.0.post20250506"
ODOO_NIGHTLY_URL="https://nightly.odoo.com/18.0/nightly/tgz/odoo_18.0.20250506.tar.gz"
ODOO_CACHE_DIR="${XDG_CACHE_HOME:-$HOME/.cache}/retail-suite"

# One channel per lane (intake, realtime, batch, report; odoo.conf.example),
# so a catalog export never holds the slot orders come in by.
export RETAIL_CHANNELS="root:2,root.retail:2,root.retail.intake:1,root.retail.realtime:1,root.retail.batch:1,root.retail.report:1"
RETAIL_MODULES="retail_connector_base,retail_marketplace,retail_pos_sync,retail_loyalty,retail_settlement"
# Auto-install bridges between two of them: a fresh install brings them in, an
# update of an older database does not, so updates install them by name.
RETAIL_BRIDGES="retail_loyalty_pos,retail_loyalty_marketplace,retail_settlement_pos,retail_settlement_marketplace"

export PGHOST="${PGHOST:-127.0.0.1}"
export PGPORT="${PGPORT:-5432}"
export PGUSER="${PGUSER:-$(id -un)}"

step() { printf '\033[1;34m==>\033[0m %s\n' "$*"; }
info() { printf '    %s\n' "$*"; }
die() {
    printf '\033[1;31mERROR:\033[0m %s\n' "$1" >&2
    [ -n "${2:-}" ] && printf '       How to fix: %s\n' "$2" >&2
    exit 1
}

as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo "$@"
    else
        die "'$*' needs root and sudo is not installed." "run it as root, then run this script again."
    fi
}

apt_install() {
    command -v apt-get >/dev/null 2>&1 ||
        die "missing system packages: $*" "install them with your distribution's package manager."
    step "Installing system packages: $*"
    if ! as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null ||
        ! as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null; then
        die "apt-get could not install: $*" "check the network and your apt sources, then run again."
    fi
}

pg_query() {
    psql -X -q -t -A -v ON_ERROR_STOP=1 -d "${2:-postgres}" -c "$1"
}

ensure_postgres() {
    step "PostgreSQL at $PGHOST:$PGPORT as role $PGUSER"
    command -v psql >/dev/null 2>&1 || apt_install postgresql-client
    if pg_query "select 1" >/dev/null 2>&1; then
        info "reachable"
        return
    fi
    if ! command -v pg_ctlcluster >/dev/null 2>&1 || [ -z "$(ls /etc/postgresql 2>/dev/null)" ]; then
        apt_install postgresql
    fi
    local version
    version="$(find /etc/postgresql -mindepth 1 -maxdepth 1 -printf '%f\n' | sort -V | tail -n 1)"
    if ! pg_lsclusters -h 2>/dev/null | awk '{print $4}' | grep -q online; then
        info "starting cluster $version/main"
        as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start ||
            die "could not start PostgreSQL cluster $version/main." "see /var/log/postgresql/postgresql-$version-main.log"
    fi
    if ! pg_query "select 1" >/dev/null 2>&1; then
        info "creating role $PGUSER"
        as_root su postgres -c "createuser --superuser '$PGUSER'" 2>/dev/null || true
        # The role may now exist but TCP auth still fail (password, pg_hba.conf): try the socket.
        if ! pg_query "select 1" >/dev/null 2>&1 && PGHOST=/var/run/postgresql pg_query "select 1" >/dev/null 2>&1; then
            export PGHOST=/var/run/postgresql
        fi
    fi
    pg_query "select 1" >/dev/null 2>&1 ||
        die "PostgreSQL is not reachable at $PGHOST:$PGPORT as role $PGUSER." \
            "start a server, or set PGHOST/PGPORT/PGUSER (and PGPASSWORD) to one that accepts this role."
}

# PL/pgSQL answers only when the running server's files match what is on disk:
# a Debian package install that upgrades PostgreSQL underneath it breaks that
# ("could not load library ... plpgsql.so") until the cluster restarts.
ensure_postgres_consistent() {
    pg_query 'DO $$ BEGIN END $$' >/dev/null 2>&1 && return
    command -v pg_lsclusters >/dev/null 2>&1 || return
    local version
    version="$(pg_lsclusters -h | awk '$4 == "online" {print $1; exit}')"
    [ -n "$version" ] || return
    info "restarting PostgreSQL cluster $version/main (its packages changed under it)"
    as_root pg_ctlcluster --skip-systemctl-redirect "$version" main restart ||
        die "could not restart PostgreSQL cluster $version/main." "see /var/log/postgresql/postgresql-$version-main.log"
}

# Odoo's browser tests (tours) skip themselves without Chromium: install it so a
# fresh machine runs them.
ensure_chromium() {
    step "Chromium for the browser tests"
    if command -v chromium >/dev/null 2>&1 || command -v google-chrome >/dev/null 2>&1 ||
        command -v chromium-browser >/dev/null 2>&1; then
        info "present"
        return
    fi
    apt_install chromium
    ensure_postgres_consistent
}

find_python() {
    local candidate
    for candidate in python3.12 python3.11 python3; do
        if command -v "$candidate" >/dev/null 2>&1 &&
            "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] not in ((3, 11), (3, 12)))' 2>/dev/null &&
            "$candidate" -c 'import venv, ensurepip' 2>/dev/null; then
            command -v "$candidate"
            return
        fi
    done
}

ensure_venv() {
    step "Python virtual environment in ${VENV_DIR#"$REPO_DIR"/}"
    if [ -x "$PY" ] && "$PY" -c 'import sys; sys.exit(sys.version_info[:2] not in ((3, 11), (3, 12)))' 2>/dev/null; then
        info "present ($("$PY" --version))"
        return
    fi
    local python
    python="$(find_python)"
    if [ -z "$python" ]; then
        apt_install python3 python3-venv python3-dev
        python="$(find_python)"
    fi
    [ -n "$python" ] || die "no Python 3.11 or 3.12 with venv found." "install python3.11 (or 3.12) with its venv module."
    rm -rf "$VENV_DIR"
    "$python" -m venv "$VENV_DIR" || die "could not create the virtual environment with $python."
    info "created with $("$PY" --version)"
}

# Prints the folder holding the Odoo 18.0 source, fetching the pinned nightly when ODOO_SRC is unset.
resolve_odoo_src() {
    if [ -n "${ODOO_SRC:-}" ]; then
        if [ ! -f "$ODOO_SRC/odoo-bin" ] || [ ! -f "$ODOO_SRC/odoo/release.py" ]; then
            die "Odoo 18.0 source not found: set ODOO_SRC to a folder holding odoo-bin (now ODOO_SRC=$ODOO_SRC)." \
                "point ODOO_SRC at an Odoo 18.0 Community source tree, or unset it to download the pinned nightly."
        fi
        grep -q "^version_info = (18, 0," "$ODOO_SRC/odoo/release.py" ||
            die "the source in ODOO_SRC=$ODOO_SRC is not Odoo 18.0." "point ODOO_SRC at an Odoo 18.0 Community source tree."
        (cd "$ODOO_SRC" && pwd)
        return
    fi
    local target="$ODOO_CACHE_DIR/odoo-$ODOO_NIGHTLY_VERSION"
    if [ ! -f "$target/odoo-bin" ]; then
        step "Downloading Odoo $ODOO_NIGHTLY_VERSION (ODOO_SRC is not set)" >&2
        mkdir -p "$ODOO_CACHE_DIR"
        local archive="$ODOO_CACHE_DIR/odoo-$ODOO_NIGHTLY_VERSION.tar.gz"
        curl -fsSL --connect-timeout 10 --max-time 900 -o "$archive.part" "$ODOO_NIGHTLY_URL" ||
            die "Odoo 18.0 source not found: set ODOO_SRC to a folder holding odoo-bin (the download of $ODOO_NIGHTLY_URL failed)." \
                "set ODOO_SRC to an Odoo 18.0 Community source folder, or make that URL reachable."
        rm -rf "$target.part" && mkdir -p "$target.part"
        tar -xzf "$archive.part" -C "$target.part" --strip-components=1 ||
            die "the downloaded Odoo archive is damaged." "delete $ODOO_CACHE_DIR and run again."
        grep -q "^Version: $ODOO_NIGHTLY_VERSION\$" "$target.part/PKG-INFO" ||
            die "the downloaded Odoo archive is not version $ODOO_NIGHTLY_VERSION." "delete $ODOO_CACHE_DIR and run again."
        mv "$target.part" "$target" && rm -f "$archive.part"
    fi
    echo "$target"
}

# Odoo's own requirements, with the packages named in setup/odoo-overrides.txt replaced.
write_odoo_requirements() {
    local odoo_src="$1" out="$2"
    "$PY" - "$odoo_src/requirements.txt" "$REPO_DIR/setup/odoo-overrides.txt" "$out" <<'PYEOF'
import re
import sys

source, overrides_file, out = sys.argv[1:]


def name_of(line):
    match = re.match(r"\s*([A-Za-z0-9_.\-]+)", line)
    return match.group(1).lower().replace("_", "-") if match else None


overrides = [
    line.split("#", 1)[0].strip()
    for line in open(overrides_file)
    if line.split("#", 1)[0].strip()
]
overridden = {name_of(line) for line in overrides}
kept = [
    line.rstrip("\n")
    for line in open(source)
    if line.split("#", 1)[0].strip() and name_of(line) not in overridden
]
replacements = [line for line in overrides if re.search(r"[=<>~]", line)]
with open(out, "w") as fh:
    fh.write("\n".join(kept + replacements) + "\n")
PYEOF
}

ensure_build_tools() {
    local missing=()
    command -v gcc >/dev/null 2>&1 || missing+=(build-essential)
    command -v pg_config >/dev/null 2>&1 || missing+=(libpq-dev)
    "$PY" -c 'import sysconfig, os, sys; sys.exit(not os.path.exists(os.path.join(sysconfig.get_paths()["include"], "Python.h")))' ||
        missing+=(python3-dev)
    [ ${#missing[@]} -eq 0 ] || apt_install "${missing[@]}"
}

# Runs pip quietly: its full output goes to .venv/pip.log and is shown only on failure.
pip_install() {
    local log="$VENV_DIR/pip.log"
    if ! "$PY" -m pip install --disable-pip-version-check "$@" >>"$log" 2>&1; then
        tail -n 40 "$log" >&2
        return 1
    fi
}

ensure_python_packages() {
    local odoo_src="$1"
    local stamp_file="$VENV_DIR/.retail-packages.stamp"
    local stamp
    stamp="$(cat "$REPO_DIR/setup/odoo-overrides.txt" "$REPO_DIR/requirements.txt" "$odoo_src/requirements.txt" |
        sha256sum | cut -c1-16) $odoo_src"
    step "Python packages (Odoo 18.0 from $odoo_src, requirements.txt)"
    if [ -f "$stamp_file" ] && [ "$(cat "$stamp_file")" = "$stamp" ] &&
        "$PY" -c 'import odoo, odoo.addons.queue_job, pytest_odoo' 2>/dev/null; then
        info "up to date"
        return
    fi
    ensure_build_tools
    local odoo_requirements="$VENV_DIR/odoo-requirements.txt"
    write_odoo_requirements "$odoo_src" "$odoo_requirements"
    : >"$VENV_DIR/pip.log"
    pip_install --upgrade pip wheel "setuptools>=64,<81" ||
        die "could not upgrade pip in $VENV_DIR." "check access to the Python package index."
    info "installing Odoo's requirements (a few minutes the first time)"
    pip_install -r "$odoo_requirements" ||
        die "pip could not install Odoo's requirements ($odoo_requirements)." \
            "read pip's output above (all of it in $VENV_DIR/pip.log); a package that fails to build may need an entry in setup/odoo-overrides.txt."
    info "installing Odoo itself, editable"
    # Compat mode puts the source folder on sys.path through a .pth file, so the real
    # odoo package wins over the site-packages/odoo/addons folder that pip-installed
    # addons such as queue_job create.
    pip_install --no-deps -e "$odoo_src" --config-settings editable_mode=compat ||
        die "pip could not install Odoo from $odoo_src."
    info "installing requirements.txt"
    pip_install -r "$REPO_DIR/requirements.txt" ||
        die "pip could not install requirements.txt." "read pip's message above."
    (cd / && "$PY" -c 'import odoo, odoo.addons.queue_job') ||
        die "Odoo or queue_job does not import after installation." "delete $VENV_DIR and run again."
    echo "$stamp" >"$stamp_file"
    info "done"
}

# The key that encrypts channel credentials, made once per machine and kept
# out of the database and the repository (var/ is ignored by git).
ensure_encryption_key() {
    local key_file="$VAR_DIR/retail-encryption.key"
    if [ ! -s "$key_file" ]; then
        mkdir -p "$VAR_DIR"
        (umask 077 && "$PY" -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())' >"$key_file")
        info "generated the credential encryption key in ${key_file#"$REPO_DIR"/}" >&2
    fi
    cat "$key_file"
}

# Writes an Odoo configuration file for this machine.
# Usage: write_config FILE HTTP_PORT WORKERS CHANNELS [extra "key = value" lines...]
# CHANNELS is queue_job's channel capacities; "root:0" keeps the job runner off.
write_config() {
    local file="$1" port="$2" workers="$3" channels="$4"
    shift 4
    local odoo_src key
    odoo_src="$(cat "$VENV_DIR/.retail-odoo-src")"
    key="$(ensure_encryption_key)"
    mkdir -p "$(dirname "$file")" "$VAR_DIR/data"
    # It holds the credential encryption key: readable by its owner only.
    rm -f "$file"
    (
        umask 077
        {
            echo "# Generated by setup/ for this machine; odoo.conf.example explains each key."
            echo "[options]"
            # A nightly build keeps every addon in odoo/addons; a git checkout keeps most in addons/.
            if [ -d "$odoo_src/odoo/addons/web" ]; then
                echo "addons_path = $odoo_src/odoo/addons,$REPO_DIR/addons"
            else
                echo "addons_path = $odoo_src/odoo/addons,$odoo_src/addons,$REPO_DIR/addons"
            fi
            echo "data_dir = $VAR_DIR/data"
            echo "db_host = $PGHOST"
            echo "db_port = $PGPORT"
            echo "db_user = $PGUSER"
            echo "db_password = ${PGPASSWORD:-False}"
            echo "http_interface = 127.0.0.1"
            echo "http_port = $port"
            echo "gevent_port = $((port + 3))"
            echo "workers = $workers"
            echo "max_cron_threads = 1"
            echo "server_wide_modules = base,web,queue_job"
            echo "list_db = False"
            echo "retail_encryption_key = $key"
            for line in "$@"; do echo "$line"; done
            echo
            echo "[queue_job]"
            echo "channels = $channels"
        } >"$file"
    )
}

odoo_bin() {
    "$PY" "$(cat "$VENV_DIR/.retail-odoo-src")/odoo-bin" "$@"
}

# Installs the suite's modules in DB when any is missing; updates them when their source changed.
ensure_database() {
    local db="$1" config="$2" demo="${3:-demo}"
    local addons_hash state_file="$VAR_DIR/$db.addons.stamp"
    addons_hash="$(cd "$REPO_DIR" && find addons -type f -not -name '*.pyc' -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16)"
    step "Database $db with the retail modules"
    local installed=0
    if [ -n "$(pg_query "select 1 from pg_database where datname = '$db'")" ]; then
        installed="$(pg_query "select count(*) from ir_module_module where state = 'installed' and name in ('${RETAIL_MODULES//,/\',\'}')" "$db" 2>/dev/null || echo 0)"
    fi
    local expected
    expected="$(echo "$RETAIL_MODULES" | tr ',' '\n' | wc -l)"
    local args=(-c "$config" -d "$db" --stop-after-init --no-http --workers=0 --max-cron-threads=0)
    [ "$demo" = demo ] || args+=(--without-demo=all)
    if [ "$installed" -ne "$expected" ]; then
        info "installing $RETAIL_MODULES (a few minutes the first time)"
        odoo_bin "${args[@]}" -i "$RETAIL_MODULES" --log-level=warn ||
            die "Odoo could not install the retail modules in database $db." "read the log above; drop the database with 'dropdb $db' to start over."
    elif [ "$(cat "$state_file" 2>/dev/null)" != "$addons_hash" ]; then
        info "addons changed since the last run: updating the retail modules"
        odoo_bin "${args[@]}" -u "$RETAIL_MODULES" -i "$RETAIL_BRIDGES" --log-level=warn ||
            die "Odoo could not update the retail modules in database $db." "read the log above."
    else
        info "up to date"
    fi
    echo "$addons_hash" >"$state_file"
}

free_port() {
    "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# The virtualenv with Odoo and the suite's packages.
prepare_packages() {
    ensure_venv
    local odoo_src
    odoo_src="$(resolve_odoo_src)" || exit 1
    ensure_python_packages "$odoo_src"
    echo "$odoo_src" >"$VENV_DIR/.retail-odoo-src"
}

# moto's SQS server for the tests of Amazon's notifications, in a virtualenv
# of its own: moto needs Werkzeug 3 and a recent cryptography, which Odoo 18's
# pins refuse. Only the tests start it, on loopback.
MOTO_VENV="$VAR_DIR/moto-venv"
MOTO_REQUIREMENT="moto[server]==5.2.6"
ensure_moto_venv() {
    step "moto's SQS server for the tests in ${MOTO_VENV#"$REPO_DIR"/}"
    if [ -x "$MOTO_VENV/bin/moto_server" ] &&
        [ "$(cat "$MOTO_VENV/.retail-moto" 2>/dev/null)" = "$MOTO_REQUIREMENT" ]; then
        info "present"
        return
    fi
    rm -rf "$MOTO_VENV"
    "$(find_python)" -m venv "$MOTO_VENV" || die "could not create $MOTO_VENV."
    "$MOTO_VENV/bin/python" -m pip install --disable-pip-version-check -q "$MOTO_REQUIREMENT" ||
        die "pip could not install $MOTO_REQUIREMENT in $MOTO_VENV." "check access to the Python package index."
    echo "$MOTO_REQUIREMENT" >"$MOTO_VENV/.retail-moto"
    info "installed $MOTO_REQUIREMENT"
}

# The common part of every entry point: PostgreSQL, the virtualenv, Odoo and the packages.
prepare_runtime() {
    ensure_postgres
    prepare_packages
}
