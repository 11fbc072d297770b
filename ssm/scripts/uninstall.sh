#!/bin/sh
# ecs-triage-Uninstall: stop and remove the service and the program. Safe to run when nothing is installed.
# Inputs: ECS_TRIAGE_PURGE=true also removes /etc/ecs-triage (config) and /var/lib/ecs-triage (state, spool).
#         ECS_TRIAGE_ROOT prefixes every path (tests).
# Exit codes: 0 removed (or nothing to remove), 4 a step failed.
set -u
root="${ECS_TRIAGE_ROOT:-}"
purge="${ECS_TRIAGE_PURGE:-false}"
unit="$root/etc/systemd/system/ecs-triage.service"

fail() { echo "ecs-triage uninstall: $*" >&2; exit 4; }

if command -v systemctl >/dev/null 2>&1; then
  # Stop even if the unit file is already gone; ignore "not loaded".
  systemctl stop ecs-triage.service >/dev/null 2>&1 || true
  systemctl disable ecs-triage.service >/dev/null 2>&1 || true
fi
if [ -e "$unit" ]; then
  rm -f "$unit" || fail "cannot remove $unit"
  if command -v systemctl >/dev/null 2>&1; then systemctl daemon-reload || fail "systemctl daemon-reload failed"; fi
  echo "removed the ecs-triage service"
fi
rm -f "$root/usr/local/bin/ecs-triage" || fail "cannot remove $root/usr/local/bin/ecs-triage"
rm -rf "$root/opt/ecs-triage" "$root/usr/local/share/doc/ecs-triage" || fail "cannot remove $root/opt/ecs-triage"
if [ "$purge" = true ]; then
  rm -rf "$root/etc/ecs-triage" "$root/var/lib/ecs-triage" || fail "cannot remove config or state"
  echo "removed /etc/ecs-triage and /var/lib/ecs-triage"
else
  echo "kept /etc/ecs-triage (config) and /var/lib/ecs-triage (state); Purge=true removes them"
fi
echo "ecs-triage uninstalled"
exit 0
