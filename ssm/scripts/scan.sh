#!/bin/sh
# ecs-triage-Scan: run `ecs-triage scan` once on this instance and print the report for the SSM console.
# Inputs (environment; the document sets them from its parameters):
#   ECS_TRIAGE_SINCE    look-back window, e.g. 2h          (default 2h)
#   ECS_TRIAGE_FORMAT   text | json | summary              (default text)
#   ECS_TRIAGE_FAIL_ON  info | warn | error | critical | never  (default never: findings do not fail the command)
#   ECS_TRIAGE_ROOT     prefix for every path (tests use a temporary root; empty on a real host)
# The report goes straight to stdout as the scan writes it (the console shows the first 24,000 characters; the
# tool keeps its report within that). A copy is kept in /var/lib/ecs-triage/reports when the disk allows:
# that copy is best-effort, because a full disk is one of the things this document is run to find.
# Exit codes: 0 ok, 1 findings at or above FailOn, 2 usage/config error, 3 could not run (including a report
# that could not be written out whole). Nothing else ever: the SSM agent reads 137 as a timeout and 194 as
# "reboot the instance".
set -u
root="${ECS_TRIAGE_ROOT:-}"
since="${ECS_TRIAGE_SINCE:-2h}"
format="${ECS_TRIAGE_FORMAT:-text}"
fail_on="${ECS_TRIAGE_FAIL_ON:-never}"

bin="$root/usr/local/bin/ecs-triage"
if [ ! -x "$bin" ]; then bin="$(command -v ecs-triage 2>/dev/null || true)"; fi
if [ -z "$bin" ]; then
  echo "ecs-triage is not installed on this instance: run the ecs-triage-Install document first" >&2
  exit 3
fi

ext="$format"
[ "$format" = summary ] && ext=json
[ "$format" = text ] && ext=txt
reports="$root/var/lib/ecs-triage/reports"
copy="$reports/last-scan.$ext"
partial="$copy.partial"
if ! mkdir -p "$reports" 2>/dev/null; then
  copy=""
  partial=/dev/null
  echo "ecs-triage scan: no copy of the report kept on the instance: cannot create $reports" >&2
fi

# scan | tee: the report reaches stdout while the copy is written. tee goes on writing to stdout when the copy
# fails (it names the file in its message) and exits 1; a failed write to stdout it calls "standard output".
# The exit codes of both and tee's messages come back through the command substitution; the report does not.
exec 3>&1
result=$(
  {
    {
      "$bin" scan --since "$since" --format "$format" --fail-on "$fail_on" 3>&- 5>&-
      # On a line of its own: tee's message, written by another process into the same pipe, may be split
      # around it (glibc's error() writes in pieces).
      printf '\nscan-exit=%s\n' "$?" >&5
    } | LC_ALL=C tee "$partial" 2>&1 >&3 3>&- 5>&-
    echo "tee-exit=$?"
  } 5>&1
)
exec 3>&-
rc=$(printf '%s\n' "$result" | sed -n 's/^scan-exit=//p')
tee_rc=$(printf '%s\n' "$result" | sed -n 's/^tee-exit=//p')
tee_said=$(printf '%s\n' "$result" | grep -v -e '^scan-exit=' -e '^tee-exit=' -e '^$' | tr '\n' ' ' | sed 's/ $//' | head -c 500)

if [ "$tee_rc" != 0 ] && { printf '%s' "$tee_said" | grep -q 'standard output' || [ -z "$tee_said" ]; }; then
  echo "ecs-triage scan: the report could not be written out whole: ${tee_said:-tee exited $tee_rc}" >&2
  [ -z "$copy" ] || rm -f "$partial"
  exit 3
fi
# A copy cut short by a full disk is removed, not left looking whole.
if [ -n "$copy" ] && ! { [ "$tee_rc" = 0 ] && mv -f "$partial" "$copy" 2>/dev/null; }; then
  rm -f "$partial"
  echo "ecs-triage scan: no copy of the report kept on the instance (${tee_said:-cannot write $copy}); the output above is whole" >&2
fi

case "$rc" in
  0|1|2) exit "$rc" ;;
  *)
    echo "ecs-triage scan ended abnormally (exit ${rc:-unknown}); reported as exit 3" >&2
    exit 3
    ;;
esac
