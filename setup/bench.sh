#!/usr/bin/env bash
# The benchmarks: figures against baselines measured in the same run, printed
# as a table. Not a test: nothing here passes or fails on speed.
#
#   setup/bench.sh                  every benchmark (database retail_bench)
#   setup/bench.sh --lines 10000    a smaller settlement file
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

prepare_runtime
bench_db="${RETAIL_BENCH_DB:-retail_bench}"
bench_config="$VAR_DIR/odoo-bench.conf"
write_config "$bench_config" "$(free_port)" 0 "root:0" "db_name = $bench_db"
ensure_database "$bench_db" "$bench_config" no-demo
step "Benchmarks (database $bench_db)"
"$PY" "$REPO_DIR/tests/bench/run.py" --config "$bench_config" --db "$bench_db" "$@"
