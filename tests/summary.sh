#!/bin/sh
# tests/summary.sh: after automake's summary, the Check suites' counts added up,
# in Check's own format, so that the last line of `make check` gives them.
# Usage: tests/summary.sh LOG...
set -eu
cat "$@" 2>/dev/null | awk '
  /^[0-9]+%: Checks: [0-9]+, Failures: [0-9]+, Errors: [0-9]+/ {
    gsub(/,/, ""); checks += $3; failures += $5; errors += $7; suites++
  }
  END {
    if (suites == 0) { print "Check: no suite ran"; exit 0 }
    pct = checks ? int(100 * (checks - failures - errors) / checks) : 100
    printf "Check suites: %d\n%d%%: Checks: %d, Failures: %d, Errors: %d\n", suites, pct, checks, failures, errors
  }'
