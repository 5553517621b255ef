#!/usr/bin/env bash
# The test command: static checks on the whole tree, then every test of the five
# modules and the end-to-end tests under tests/, with pytest-odoo, in a freshly
# created database that is dropped afterwards.
#
#   setup/test.sh                                  everything (what CI runs)
#   setup/test.sh addons/retail_loyalty            one module's tests (pytest arguments)
#   RETAIL_SKIP_CHECKS=1 setup/test.sh ...         without the static checks
#   RETAIL_KEEP_TEST_DB=1 setup/test.sh ...        keep the test database for a look
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

prepare_runtime
ensure_chromium
export PATH="$VENV_DIR/bin:$PATH"
cd "$REPO_DIR"

if [ "${RETAIL_SKIP_CHECKS:-0}" != 1 ]; then
    step "Static checks: pre-commit on the whole tree"
    pre-commit run --all-files --show-diff-on-failure ||
        die "the static checks found problems (listed above)." \
            "fix them, then 'pre-commit run --all-files' (with .venv/bin on PATH) repeats the checks."
fi

test_db="retail_test_$(date +%Y%m%d_%H%M%S)_$$"
test_config="$VAR_DIR/odoo-test-$$.conf"
drop_test_db() {
    if [ "${RETAIL_KEEP_TEST_DB:-0}" = 1 ]; then
        info "kept test database $test_db"
    else
        dropdb --if-exists "$test_db" 2>/dev/null || true
        rm -rf "$VAR_DIR/data/filestore/$test_db" "$test_config"
    fi
}
trap drop_test_db EXIT

step "Test configuration ${test_config#"$REPO_DIR"/}"
# The in-process test server keeps its job runner off (root:0): jobs enqueued by the
# tests stay queued for trap_jobs, and tests/ starts a real server with its own runner.
write_config "$test_config" "$(free_port)" 0 "root:0" "db_name = $test_db"

step "Fresh test database $test_db"
odoo_bin -c "$test_config" -d "$test_db" -i "$RETAIL_MODULES" --stop-after-init --no-http \
    --log-level=warn ||
    die "Odoo could not install the retail modules in a fresh database." "read the log above."

step "Tests (pytest-odoo)"
[ $# -gt 0 ] || set -- addons tests
pytest --odoo-config="$test_config" --odoo-database="$test_db" --odoo-http "$@"
