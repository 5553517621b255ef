#!/usr/bin/env bash
# The main job: sets up what is missing (setup/install.sh), then runs Odoo with
# prefork workers and the queue_job runner on http://localhost:$RETAIL_HTTP_PORT,
# and beside it the demo traffic (tests/simulator/demo.py: the channel
# simulator playing the demo backends' platforms; RETAIL_DEMO_TRAFFIC=0: none).
# Ctrl-C stops both.
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

# The demo traffic needs the simulator's fixed ports (the demo backends' API URLs).
RETAIL_DEMO_TRAFFIC="${RETAIL_DEMO_TRAFFIC:-1}"
if [ "$RETAIL_DEMO_TRAFFIC" = 1 ]; then
    for port in 8099 8100 8101; do
        if "$PY" -c "import socket, sys; s = socket.socket(); sys.exit(s.connect_ex(('127.0.0.1', $port)) != 0)"; then
            die "port $port (the demo channel simulator's) is already in use." \
                "stop what listens there (another demo?), or run with RETAIL_DEMO_TRAFFIC=0 for Odoo alone."
        fi
    done
fi

odoo_pid="" traffic_pid=""
stop_all() {
    trap - INT TERM EXIT
    echo
    step "Stopping"
    for pid in $traffic_pid $odoo_pid; do
        kill -TERM "$pid" 2>/dev/null || true
    done
    for pid in $traffic_pid $odoo_pid; do
        wait "$pid" 2>/dev/null || true
    done
    info "stopped"
    exit 0
}
trap stop_all INT TERM EXIT

step "Starting Odoo 18.0 (2 workers + queue_job runner) on database $RETAIL_DB"
# Odoo itself, not a subshell running it: its pid is the one to stop.
"$PY" "$(cat "$VENV_DIR/.retail-odoo-src")/odoo-bin" -c "$VAR_DIR/odoo.conf" --logfile="$VAR_DIR/odoo.log" &
odoo_pid=$!
"$PY" - "$RETAIL_HTTP_PORT" "$odoo_pid" <<'PYEOF' ||
import os, sys, time, urllib.request
port, pid = sys.argv[1], int(sys.argv[2])
deadline = time.monotonic() + 180
while time.monotonic() < deadline:
    try:
        os.kill(pid, 0)
    except OSError:
        sys.exit(1)
    try:
        if urllib.request.urlopen(f"http://127.0.0.1:{port}/web/login", timeout=10).status == 200:
            sys.exit(0)
    except OSError:
        pass
    time.sleep(1)
sys.exit(1)
PYEOF
    die "Odoo did not start serving on port $RETAIL_HTTP_PORT." "read $VAR_DIR/odoo.log"
info "serving"

if [ "$RETAIL_DEMO_TRAFFIC" = 1 ]; then
    step "Starting the demo traffic (channel simulator on ports 8099-8101)"
    (cd "$REPO_DIR" && exec "$PY" -m tests.simulator.demo \
        --odoo-url "http://127.0.0.1:$RETAIL_HTTP_PORT" --db "$RETAIL_DB") \
        >"$VAR_DIR/demo-traffic.log" 2>&1 &
    traffic_pid=$!
fi

cat <<INFO

    Open     http://localhost:$RETAIL_HTTP_PORT/web/login
    Login    admin    Password  admin     (the demo database's administrator)
    Look at  Retail > Dashboards, Retail > Connector > Sync Exceptions,
             Retail > Settlement > Settlements (a payout file every 5 minutes)
    Logs     $VAR_DIR/odoo.log, $VAR_DIR/demo-traffic.log
    Stop     Ctrl-C

INFO
while kill -0 "$odoo_pid" 2>/dev/null; do
    wait "$odoo_pid" || true
done
