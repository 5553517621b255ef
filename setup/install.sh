#!/usr/bin/env bash
# Sets up everything the suite needs on this machine, idempotently:
# PostgreSQL, .venv with Odoo 18.0 and requirements.txt, var/odoo.conf, and the
# database RETAIL_DB (default "retail") with the five modules and demo data.
#
#   setup/install.sh                  all of it
#   setup/install.sh --packages-only  .venv with Odoo and requirements.txt only
#                                     (no PostgreSQL needed: docker/Dockerfile uses it)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

RETAIL_DB="${RETAIL_DB:-retail}"
RETAIL_HTTP_PORT="${RETAIL_HTTP_PORT:-8069}"

if [ "${1:-}" = --packages-only ]; then
    prepare_packages
    exit 0
fi
prepare_runtime
step "Configuration var/odoo.conf"
write_config "$VAR_DIR/odoo.conf" "$RETAIL_HTTP_PORT" 2 "$RETAIL_CHANNELS" \
    "db_name = $RETAIL_DB" "proxy_mode = False"
ensure_database "$RETAIL_DB" "$VAR_DIR/odoo.conf"
step "Ready: setup/start.sh serves database $RETAIL_DB on http://localhost:$RETAIL_HTTP_PORT"
