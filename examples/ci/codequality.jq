# Turns the report of `refarch check --format json` into a GitLab Code
# Quality report: one entry per diagnostic, errors as "critical" and warnings
# as "minor", at the file and line the diagnostic names.
#
#   refarch check --format json > check.json
#   jq -f examples/ci/codequality.jq check.json > gl-code-quality-report.json
#
# Used by examples/ci/gitlab-ci.yml and examples/ci/run-locally.sh.
# A diagnostic with no file (a site without data/, an unknown profile) is
# placed at ".", and one with no line at line 1.
[
  .diagnostics[]
  | {
      description: ("\(.code): \(.message)" + (if .help then " (help: \(.help))" else "" end)),
      check_name: .code,
      fingerprint: "\(.code):\(.file // "."):\(.line // 0):\(.column // 0):\(.message)",
      severity: (if .severity == "error" then "critical" else "minor" end),
      location: {
        path: (.file // "."),
        lines: { begin: ([.line // 1, 1] | max) }
      }
    }
]
