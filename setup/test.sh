#!/usr/bin/env bash
# The test command: static checks on the whole tree; each of the five modules
# installed alone in a fresh database and its own tests run there; then every
# test of every module (bridges included) and the end-to-end tests under tests/,
# with pytest-odoo, in a fresh database holding all of them. Databases are
# dropped afterwards.
#
#   setup/test.sh                                  everything (what CI runs)
#   setup/test.sh addons/retail_loyalty            one module's tests, all modules
#                                                  installed (pytest arguments)
#   RETAIL_SKIP_CHECKS=1 setup/test.sh ...         without the static checks
#   RETAIL_SKIP_ALONE=1 setup/test.sh              without the modules-alone runs
#   RETAIL_KEEP_TEST_DB=1 setup/test.sh ...        keep the test database for a look
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

prepare_runtime
ensure_chromium
ensure_moto_venv
export PATH="$VENV_DIR/bin:$PATH"
cd "$REPO_DIR"

if [ "${RETAIL_SKIP_CHECKS:-0}" != 1 ]; then
    step "Static checks: pre-commit on the whole tree"
    pre-commit run --all-files --show-diff-on-failure ||
        die "the static checks found problems (listed above)." \
            "fix them, then 'pre-commit run --all-files' (with .venv/bin on PATH) repeats the checks."
fi

# A browser tour that cannot start its browser skips itself in Odoo; here it
# fails instead (conftest.py), so that a machine without Chromium cannot pass.
export RETAIL_REQUIRE_BROWSER=1

test_db="retail_test_$(date +%Y%m%d_%H%M%S)_$$"
test_config="$VAR_DIR/odoo-test-$$.conf"
alone_dbs=()
drop_test_db() {
    local db
    for db in "${alone_dbs[@]}"; do
        dropdb --if-exists "$db" 2>/dev/null || true
        rm -rf "$VAR_DIR/data/filestore/$db"
    done
    rm -f "$VAR_DIR/odoo-test-$$-"*.conf
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

# Each module is usable on its own on top of the base: it must install alone
# and pass its own tests without the others (nor the bridges, which need two).
if [ $# -eq 0 ] && [ "${RETAIL_SKIP_ALONE:-0}" != 1 ]; then
    for module in ${RETAIL_MODULES//,/ }; do
        alone_db="${test_db}_${module#retail_}"
        alone_dbs+=("$alone_db")
        # A port of its own per run: a browser or bus client of the previous run's
        # tours that reconnects late must not reach this run's server.
        alone_config="$VAR_DIR/odoo-test-$$-${module#retail_}.conf"
        write_config "$alone_config" "$(free_port)" 0 "root:0" "db_name = $alone_db"
        step "$module alone: fresh database $alone_db"
        odoo_bin -c "$alone_config" -d "$alone_db" -i "$module" --stop-after-init --no-http \
            --log-level=warn ||
            die "$module does not install alone." "read the log above: a dependency its manifest does not declare?"
        pytest --odoo-config="$alone_config" --odoo-database="$alone_db" --odoo-http \
            "addons/$module/tests" ||
            die "$module's tests fail with $module installed alone." \
                "the failures above rely on another module: declare it or move the test to a bridge module."
        dropdb --if-exists "$alone_db" 2>/dev/null || true
        rm -f "$alone_config"
    done
fi

step "Fresh test database $test_db"
odoo_bin -c "$test_config" -d "$test_db" -i "$RETAIL_MODULES" --stop-after-init --no-http \
    --log-level=warn ||
    die "Odoo could not install the retail modules in a fresh database." "read the log above."

step "Tests (pytest-odoo)"
[ $# -gt 0 ] || set -- addons tests
pytest --odoo-config="$test_config" --odoo-database="$test_db" --odoo-http "$@"
