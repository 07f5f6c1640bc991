#!/usr/bin/env bash
# Instruction counts of a build, which do not drift with the machine's
# load the way wall and CPU times do: two runs of one binary gave the
# Markdown build 961 700 431 and 961 700 717 instructions, where timed runs
# on a shared 2-core VM vary by 10-30 %. Instructions are not time (a cache
# miss costs more than an add), so confirm a large change with timed runs.
#
#   bench/instructions.sh [BINARY]      (default: target/release/refarch)
#
# Builds two small sites, one thread each, under valgrind's callgrind:
# the 1 000-page Markdown corpus of bench/markdown.sh (highlighting off)
# and a site of 1 000 engagements and 100 pages from bench/generate.py.
# Prints each build's total and the refarch functions that cost most,
# inclusive of what they call. Compare two binaries by running it on each.
# Needs valgrind (Debian: apt-get install valgrind); symbols read best
# from a build with CARGO_PROFILE_RELEASE_DEBUG=line-tables-only.
set -euo pipefail
cd "$(dirname "$0")/.."

binary=${1:-target/release/refarch}
base=${BENCH_DIR:-$( [ -d /dev/shm ] && echo /dev/shm/refarch-instructions || echo "${TMPDIR:-/tmp}/refarch-instructions" )}
command -v valgrind >/dev/null || { echo "valgrind not found: apt-get install valgrind" >&2; exit 1; }
[ -x "$binary" ] || { echo "$binary not found: build it first with cargo build --release" >&2; exit 1; }

rm -rf "$base"
mkdir -p "$base"
python3 bench/generate.py "$base/markdown" --engagements 0 --pages 1000 --no-highlight >/dev/null
python3 bench/generate.py "$base/engagements" --engagements 1000 --pages 100 >/dev/null

for site in markdown engagements; do
  out=$base/$site.callgrind
  RAYON_NUM_THREADS=1 valgrind --tool=callgrind --callgrind-out-file="$out" \
    "$binary" --root "$base/$site" --color never build --output "$base/$site-out" \
    >/dev/null 2>"$base/$site.log" || { tail -n 20 "$base/$site.log" >&2; exit 1; }
  total=$(sed -n 's/^==[0-9]*== I *refs: *//p' "$base/$site.log")
  echo "$site: $total instructions"
  # The costliest of refarch's own functions, counting what they call.
  # Lines naming the function's object file ("[…/refarch]") are the
  # function itself; others are code inlined into it from elsewhere.
  callgrind_annotate --inclusive=yes "$out" 2>/dev/null \
    | grep -E '^ *[0-9,]+ \( *[0-9.]+%\) .*refarch::(render|output|load|analysis|build)::[^ ]* \[' \
    | grep -v '{{closure}}' \
    | sed -E 's/^ *([0-9,]+) \( *([0-9.]+%)\) .*(refarch::[^ []*).*/  \2  \1  \3/' \
    | awk '!seen[$3]++ && shown++ < 12' || true
done
echo "(callgrind files in $base)"
