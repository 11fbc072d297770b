#!/bin/sh
# ecs-triage-Scan: run `ecs-triage scan` once on this instance and print the report for the SSM console.
# Inputs (environment; the document sets them from its parameters):
#   ECS_TRIAGE_SINCE    look-back window, e.g. 2h          (default 2h)
#   ECS_TRIAGE_FORMAT   text | json | summary              (default text)
#   ECS_TRIAGE_FAIL_ON  info | warn | error | critical | never  (default never: findings do not fail the command)
#   ECS_TRIAGE_ROOT     prefix for every path (tests use a temporary root; empty on a real host)
# Exit codes: 0 ok, 1 findings at or above FailOn, 2 usage/config error, 3 could not run. Nothing else ever:
# the SSM agent reads 137 as a timeout and 194 as "reboot the instance".
set -u
root="${ECS_TRIAGE_ROOT:-}"
since="${ECS_TRIAGE_SINCE:-2h}"
format="${ECS_TRIAGE_FORMAT:-text}"
fail_on="${ECS_TRIAGE_FAIL_ON:-never}"
# The console shows the first 24,000 characters of output; a longer report is cut here with a note instead.
max_chars=22000

bin="$root/usr/local/bin/ecs-triage"
if [ ! -x "$bin" ]; then bin="$(command -v ecs-triage 2>/dev/null || true)"; fi
if [ -z "$bin" ]; then
  echo "ecs-triage is not installed on this instance: run the ecs-triage-Install document first" >&2
  exit 3
fi

reports="$root/var/lib/ecs-triage/reports"
mkdir -p "$reports" 2>/dev/null || reports="$(mktemp -d)"
ext="$format"
[ "$format" = summary ] && ext=json
[ "$format" = text ] && ext=txt
out="$reports/last-scan.$ext"

"$bin" scan --since "$since" --format "$format" --fail-on "$fail_on" >"$out"
rc=$?

size=$(wc -c <"$out" | tr -d ' ')
if [ "$size" -le "$max_chars" ]; then
  cat "$out"
else
  head -c "$max_chars" "$out"
  echo
  echo "[ecs-triage: report cut at $max_chars of $size bytes for the SSM console; full report on the instance: $out; use Format=summary for a compact form]"
fi

case "$rc" in
  0|1|2) exit "$rc" ;;
  *)
    echo "ecs-triage scan ended abnormally (exit $rc); reported as exit 3" >&2
    exit 3
    ;;
esac
