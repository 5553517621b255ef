#!/usr/bin/env bash
# The main job: sets up what is missing (setup/install.sh), then runs Odoo with
# prefork workers and the queue_job runner on http://localhost:$RETAIL_HTTP_PORT.
# Ctrl-C stops it.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

RETAIL_DB="${RETAIL_DB:-retail}"
RETAIL_HTTP_PORT="${RETAIL_HTTP_PORT:-8069}"
export RETAIL_DB RETAIL_HTTP_PORT

"$REPO_DIR/setup/install.sh"

if "$PY" -c "import socket, sys; s = socket.socket(); sys.exit(s.connect_ex(('127.0.0.1', $RETAIL_HTTP_PORT)) != 0)"; then
    die "port $RETAIL_HTTP_PORT is already in use." \
        "stop what listens there (another Odoo?), or run with RETAIL_HTTP_PORT=<another port>."
fi

step "Starting Odoo 18.0 (2 workers + queue_job runner) on database $RETAIL_DB"
cat <<INFO

    Open   http://localhost:$RETAIL_HTTP_PORT/web/login
    Login  admin    Password  admin     (the demo database's administrator)
    Log    $VAR_DIR/odoo.log
    Stop   Ctrl-C

INFO
exec "$PY" "$(cat "$VENV_DIR/.retail-odoo-src")/odoo-bin" -c "$VAR_DIR/odoo.conf" --logfile="$VAR_DIR/odoo.log"
