#!/usr/bin/env bash
# Container entry point: waits for PostgreSQL, installs the retail modules in
# RETAIL_DB the first time, then runs Odoo (prefork workers + queue_job runner).
set -euo pipefail

config=/etc/odoo/odoo.conf
db="${RETAIL_DB:-retail}"
modules=retail_connector_base,retail_marketplace,retail_pos_sync,retail_loyalty,retail_settlement
odoo=(/opt/retail-suite/.venv/bin/python "$(cat /opt/retail-suite/.venv/.retail-odoo-src)/odoo-bin" -c "$config" -d "$db")
export PGHOST="${PGHOST:-db}" PGUSER="${PGUSER:-odoo}"

for _ in $(seq 60); do
    pg_isready -q && break
    sleep 1
done
pg_isready -q || { echo "PostgreSQL at $PGHOST is not reachable" >&2; exit 1; }

installed="$(psql -X -t -A -d "$db" -c "select count(*) from ir_module_module where state = 'installed' and name = 'retail_connector_base'" 2>/dev/null || echo 0)"
if [ "$installed" != 1 ]; then
    "${odoo[@]}" -i "$modules" --stop-after-init --no-http --workers=0 ${RETAIL_WITHOUT_DEMO:+--without-demo=all}
fi
exec "${odoo[@]}" --db_user="$PGUSER" --db_password="${PGPASSWORD:-False}" "$@"
