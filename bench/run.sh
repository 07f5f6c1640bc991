#!/usr/bin/env bash
# The repository's benchmark: generates a large synthetic site, times a
# full check and build (wall, CPU, peak memory) with the release binary,
# measures what a search downloads (bench/search_bytes.py), then serve:
# save one engagement file, or one content page, → new page served over
# HTTP, median and worst over EDITS (20) edits of each; save the theme's
# base.html → every page rendered again and served, over 5 edits; and the
# server's memory.
#
#   bench/run.sh [ENGAGEMENTS] [PAGES]     (defaults: 10000 and 1000)
#
# The site and the output go to /dev/shm when it exists: writing ten
# thousand files to a VM disk varies tenfold from run to run, so tmpfs
# measures refarch's own work. Set BENCH_DIR to measure a disk instead.
#
# The Markdown-corpus comparison, refarch against Hugo, Zola and a
# pulldown-cmark floor on the same runbook pages, is a separate script:
#
#   bench/markdown.sh [PAGES...]          (defaults: 1000 10000)
set -euo pipefail
cd "$(dirname "$0")/.."

engagements=${1:-10000}
pages=${2:-1000}
runs=${RUNS:-3}
base=${BENCH_DIR:-$( [ -d /dev/shm ] && echo /dev/shm/refarch-bench || echo "${TMPDIR:-/tmp}/refarch-bench" )}

cargo build --release --quiet
python3 bench/generate.py "$base/site" --engagements "$engagements" --pages "$pages"

# measure LABEL ALLOWED_EXIT COMMAND...: the synthetic records carry
# undeclared deviations, so `check` exits 1 by design.
measure() {
  local label=$1 allowed=$2; shift 2
  for i in $(seq "$runs"); do
    set +e
    /usr/bin/time -f "%e %U %S %M" -o "$base/time.txt" "$@" >/dev/null 2>"$base/stderr.txt"
    status=$?
    set -e
    if [ "$status" -ne 0 ] && [ "$status" -ne "$allowed" ]; then cat "$base/stderr.txt"; exit 1; fi
    tail -n 1 "$base/time.txt" | awk -v label="$label" -v run="$i" '{ printf "%-6s run %d: wall %6.2f s  cpu %6.2f s  peak %6.0f MiB\n", label, run, $1, $2 + $3, $4 / 1024 }'
  done
}

measure check 1 target/release/refarch --root "$base/site" check
measure build 0 target/release/refarch --root "$base/site" build --output "$base/public"
echo "pages: $(find "$base/public" -name '*.html' | wc -l), files: $(find "$base/public" -type f | wc -l), size: $(du -sh "$base/public" | cut -f1)"
python3 bench/search_bytes.py "$base/public"
python3 bench/serve_latency.py "$base/site" --edits "${EDITS:-20}"
