#!/usr/bin/env bash
# Runs the refarch steps of examples/ci/github-actions.yml and
# examples/ci/gitlab-ci.yml on this machine, and checks what they produce:
#
#   1. refarch check, as the GitLab job logs it (exit 1 on errors)
#   2. refarch check --format github: one workflow command per problem
#   3. refarch check --format json, and the GitLab Code Quality report made
#      from it with examples/ci/codequality.jq
#   4. refarch build --profile publish --base-url <sub-path>: the site the
#      Pages jobs publish, which must have its pages, keep every link under
#      the sub-path and leave every confidential engagement out
#   5. the GitLab pages job's layout: the build moved to public/
#
# Usage: examples/ci/run-locally.sh [SITE]     (default: the repository root)
#
#   REFARCH    the refarch command (default: cargo run --release --quiet --,
#              run in the repository root)
#   BASE_PATH  the sub-path to build under (default: /refarch-ci/)
#   KEEP=1     keep the temporary directory even when every step passes
#
# Needs bash, jq and the usual coreutils. Writes only to a temporary
# directory it creates; the site and the repository are left untouched.
# Any failing step stops the script with a message and a non-zero status.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
site="$(cd "${1:-$repo}" && pwd)"
base_path="${BASE_PATH:-/refarch-ci/}"
read -r -a refarch <<< "${REFARCH:-cargo run --release --quiet --}"

fail() {
  echo "run-locally: FAIL: $*" >&2
  exit 1
}
step() {
  echo
  echo "== $*"
}

case "$base_path" in
  /*/) ;;
  *) fail "BASE_PATH must start and end with a slash, such as /refarch-ci/ (got $base_path)" ;;
esac
[ "$base_path" != "/" ] || fail "BASE_PATH must be a sub-path, not /"
command -v jq > /dev/null || fail "jq is needed (apt-get install jq, brew install jq)"
[ -d "$site/data" ] || fail "$site has no data/ directory: not a refarch site"

work="$(mktemp -d "${TMPDIR:-/tmp}/refarch-ci.XXXXXX")"
finish() {
  status=$?
  if [ "$status" -eq 0 ] && [ "${KEEP:-0}" != 1 ]; then
    rm -rf "$work"
  else
    echo "run-locally: outputs kept in $work" >&2
  fi
}
trap finish EXIT

# refarch runs from the repository root, so that the default
# `cargo run` finds Cargo.toml; the site is always given with --root.
run_refarch() {
  (cd "$repo" && "${refarch[@]}" --root "$site" "$@")
}

echo "site:      $site"
echo "refarch:   ${refarch[*]}"
echo "base path: $base_path"
echo "outputs:   $work"
run_refarch --version

# --- 1. check, as people read it ----------------------------------------------
step "refarch check"
status=0
run_refarch check --color never || status=$?
case "$status" in
  0) ;;
  1) fail "refarch check found errors (exit 1); fix them before publishing" ;;
  *) fail "refarch check could not run (exit $status)" ;;
esac

# --- 2. GitHub annotations ------------------------------------------------------
step "refarch check --format github"
status=0
run_refarch check --format github > "$work/check.github" || status=$?
[ "$status" -eq 0 ] || fail "refarch check --format github exited with $status"
cat "$work/check.github"
if grep -v -E '^::(error|warning) [^:]*title=[EW][0-9]{3}::' "$work/check.github" | grep -q .; then
  fail "a line of the GitHub output is not an ::error or ::warning workflow command"
fi

# --- 3. JSON report and GitLab Code Quality -------------------------------------
step "refarch check --format json"
status=0
run_refarch check --format json > "$work/check.json" || status=$?
[ "$status" -eq 0 ] || fail "refarch check --format json exited with $status"
jq -e '(.errors == 0) and ((.diagnostics | length) == .errors + .warnings)' "$work/check.json" > /dev/null \
  || fail "check.json does not report zero errors with one diagnostic per error and warning"
warnings="$(jq '.warnings' "$work/check.json")"
annotations="$(grep -c '' "$work/check.github" || true)"
[ "$annotations" -eq "$warnings" ] \
  || fail "$annotations GitHub annotations for $warnings warnings in the JSON report"
echo "0 errors, $warnings warnings, $(jq '.links_checked' "$work/check.json") links checked"

step "GitLab Code Quality report (examples/ci/codequality.jq)"
jq -f "$here/codequality.jq" "$work/check.json" > "$work/gl-code-quality-report.json"
jq -e --argjson n "$warnings" '
  (type == "array") and (length == $n)
  and all(.[]; (.description | type) == "string" and (.fingerprint | type) == "string"
               and (.severity | IN("critical", "minor"))
               and (.location.path | type) == "string" and .location.lines.begin >= 1)
' "$work/gl-code-quality-report.json" > /dev/null \
  || fail "the Code Quality report is not one well-formed entry per diagnostic"
duplicates="$(jq '[.[].fingerprint] | length - (unique | length)' "$work/gl-code-quality-report.json")"
[ "$duplicates" -eq 0 ] || fail "$duplicates Code Quality fingerprints are not unique"
echo "$warnings entries"

# --- 4. the published build -----------------------------------------------------
step "refarch build --profile publish --base-url $base_path"
out="$work/site"
run_refarch build --profile publish --base-url "$base_path" --output "$out"
for file in index.html 404.html sitemap.xml robots.txt fleet.csv support/index.html support/support.json \
  search/index.html engagements/index.html reference-architectures/index.html releases/index.html \
  static/style.css; do
  [ -s "$out/$file" ] || fail "the build has no $file"
done
grep -q "href=\"${base_path}support/\"" "$out/index.html" \
  || fail "index.html does not link to ${base_path}support/: the base path is missing from links"
grep -q "<loc>${base_path}</loc>" "$out/sitemap.xml" \
  || fail "sitemap.xml does not list ${base_path}"
# Attributes of real tags only: a link shown as text in a page (inside
# <code>) is not a link. Protocol-relative //host links are external.
escaped="$(grep -rhoE '<[a-zA-Z][^>]*>' "$out" --include='*.html' \
  | grep -oE ' (href|src|action)="/([^/"][^"]*)?"' | grep -v -F "=\"$base_path" | sort -u || true)"
[ -z "$escaped" ] || fail "links outside $base_path in the build: $(echo "$escaped" | head -5 | tr '\n' ' ')"
pages="$(find "$out" -name index.html | wc -l)"
echo "$pages pages, every link under $base_path"

step "confidential engagements left out"
hidden=0
for record in "$site"/data/engagements/*.toml; do
  [ -e "$record" ] || continue
  grep -q -E '^confidential[[:space:]]*=[[:space:]]*true' "$record" || continue
  id="$(basename "$record" .toml)"
  hidden=$((hidden + 1))
  [ ! -e "$out/engagements/$id" ] && [ ! -e "$out/engagements/$id.json" ] \
    || fail "confidential engagement $id has a page or export in the publish build"
  ! grep -q -F "$id" "$out/sitemap.xml" "$out/fleet.csv" \
    || fail "confidential engagement $id appears in sitemap.xml or fleet.csv"
  echo "$id: left out"
done
echo "$hidden confidential engagements left out"

# --- 5. GitLab Pages layout -------------------------------------------------------
step "GitLab pages job: mv site public"
mv "$out" "$work/public"
[ -s "$work/public/index.html" ] || fail "public/index.html is missing after the move"

echo
echo "run-locally: every step passed"
