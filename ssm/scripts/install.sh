#!/bin/sh
# ecs-triage-Install: install or upgrade ecs-triage on this instance and run it as a systemd service.
# Safe to run again: the same version changes nothing; a new version is checked, switched to, and the
# service restarted; the config file is written only when missing, so local edits survive upgrades.
# Inputs (environment; the document sets them from its parameters):
#   ECS_TRIAGE_SOURCE   s3://bucket/key or https://… of dist/ecs-triage.mjs (required)
#   ECS_TRIAGE_VERSION  the version the bundle must report (empty: take what it reports)
#   ECS_TRIAGE_SHA256   the bundle's SHA-256 (empty: not checked)
#   ECS_TRIAGE_START    true (default): enable and start the service; false: only install
#   ECS_TRIAGE_NODE_TARBALL  s3:// or https:// Node.js distribution (.tar.gz/.tar.xz) to unpack into
#                       /opt/ecs-triage/node when no suitable node is installed (empty: use the OS packages)
#   ECS_TRIAGE_PAYLOAD  directory with ecs-triage.service, al2/ecs-triage.service, config.yaml and service.md
#   ECS_TRIAGE_ROOT     prefix for every path written (tests use a temporary root; empty on a real host)
#   ECS_TRIAGE_SETTLE_SECONDS  how long the started service must stay up before it counts as started
#                       (empty: the unit's RestartSec plus 3 s, so a daemon that dies after start is seen)
# Exit codes (never 137 or 194, which the SSM agent reads as timeout and reboot):
#   0 installed or already up to date · 10 bad input · 11 no Node.js >= 20.19 · 12 download failed
#   13 the bundle failed its checks · 14 the service did not start or did not stay up
#   15 the service runs but `ecs-triage status` reports a problem (e.g. a sink that cannot deliver)
set -u
root="${ECS_TRIAGE_ROOT:-}"
src="${ECS_TRIAGE_SOURCE:-}"
want_version="${ECS_TRIAGE_VERSION:-}"
want_sha="${ECS_TRIAGE_SHA256:-}"
start="${ECS_TRIAGE_START:-true}"
payload="${ECS_TRIAGE_PAYLOAD:-}"
node_tarball="${ECS_TRIAGE_NODE_TARBALL:-}"
opt="$root/opt/ecs-triage"
wrapper="$root/usr/local/bin/ecs-triage"
config="$root/etc/ecs-triage/config.yaml"
unit="$root/etc/systemd/system/ecs-triage.service"
doc="$root/usr/local/share/doc/ecs-triage/service.md"
state="$root/var/lib/ecs-triage"

say() { echo "ecs-triage install: $*"; }
fail() {
  code=$1
  shift
  echo "ecs-triage install: $*" >&2
  exit "$code"
}

case "$src" in
  s3://?*/?* | https://?*) ;;
  *) fail 10 "BundleSource must be s3://bucket/key or https://…, got '$src'" ;;
esac
[ -f "$payload/ecs-triage.service" ] && [ -f "$payload/al2/ecs-triage.service" ] && [ -f "$payload/config.yaml" ] &&
  [ -f "$payload/service.md" ] || fail 10 "payload directory '$payload' lacks the unit files, config.yaml or service.md"

work=$(mktemp -d "${TMPDIR:-/tmp}/ecs-triage-install.XXXXXX") || fail 12 "cannot create a temporary directory"
cleanup() {
  rm -rf "$work"
  if [ "${ECS_TRIAGE_PAYLOAD_CLEANUP:-}" = 1 ]; then rm -rf "$payload"; fi
}
trap cleanup EXIT

# --- Downloads: s3:// with the aws CLI (instance role), https:// with curl.
fetch() {
  case "$1" in
    s3://*)
      command -v aws >/dev/null 2>&1 || fail 12 "the aws CLI is needed to download $1"
      aws s3 cp --only-show-errors "$1" "$2" || fail 12 "aws s3 cp $1 failed (does the instance role allow s3:GetObject on it?)"
      ;;
    https://*)
      command -v curl >/dev/null 2>&1 || fail 12 "curl is needed to download $1"
      curl -fsSL --retry 3 --max-time 300 -o "$2" "$1" || fail 12 "download of $1 failed"
      ;;
    *) fail 10 "not an s3:// or https:// source: '$1'" ;;
  esac
  [ -s "$2" ] || fail 12 "downloaded $1 is empty"
}

# --- Node.js >= 20.19: on PATH (AL2023 packages install node-22 / node-20 side by side), or one this document
# unpacked earlier; else the NodeTarball if given (Amazon Linux 2 has no suitable package); else the OS packages.
node_ok() {
  "$1" -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>20||(a===20&&b>=19)?0:1)' >/dev/null 2>&1
}
find_node() {
  for name in node node-24 node-22 node-20 "$opt/node/bin/node"; do
    path=$(command -v "$name" 2>/dev/null) || continue
    if node_ok "$path"; then
      echo "$path"
      return 0
    fi
  done
  return 1
}
node_bin=$(find_node) || node_bin=""
if [ -z "$node_bin" ] && [ -n "$node_tarball" ]; then
  say "unpacking Node.js from $node_tarball"
  fetch "$node_tarball" "$work/node.tar"
  rm -rf "$opt/node.new" && mkdir -p "$opt/node.new" || fail 11 "cannot create $opt/node.new"
  tar -xf "$work/node.tar" -C "$opt/node.new" --strip-components=1 || fail 11 "cannot unpack $node_tarball (a Node.js linux-x64/arm64 .tar.gz or .tar.xz?)"
  node_ok "$opt/node.new/bin/node" ||
    fail 11 "the Node.js in $node_tarball does not run here or is older than 20.19 (Amazon Linux 2 needs a build for glibc 2.17, e.g. from unofficial-builds.nodejs.org)"
  rm -rf "$opt/node" && mv "$opt/node.new" "$opt/node" || fail 11 "cannot place $opt/node"
  node_bin="$opt/node/bin/node"
fi
if [ -z "$node_bin" ]; then
  for pm in dnf yum; do
    command -v "$pm" >/dev/null 2>&1 || continue
    for pkg in nodejs22 nodejs20 nodejs; do
      say "installing Node.js: $pm install $pkg"
      if "$pm" install -y -q "$pkg" >"$work/pm.log" 2>&1; then
        node_bin=$(find_node) || node_bin=""
        [ -n "$node_bin" ] && break
      fi
    done
    break
  done
fi
[ -n "$node_bin" ] || fail 11 "no Node.js >= 20.19 on PATH and none could be installed from the OS packages (Amazon Linux 2 has none: give NodeTarball, or install Node.js 20.19+ and re-run)"
say "using Node.js $("$node_bin" --version) at $node_bin"

# --- Download and check the bundle before touching anything installed.
bundle="$work/ecs-triage.mjs"
fetch "$src" "$bundle"
if [ -n "$want_sha" ]; then
  got_sha=$(sha256sum "$bundle" | cut -d' ' -f1)
  [ "$got_sha" = "$want_sha" ] || fail 13 "SHA-256 mismatch: expected $want_sha, got $got_sha"
fi
version=$("$node_bin" "$bundle" --version 2>"$work/version.err") || fail 13 "the bundle does not run: $(head -c 500 "$work/version.err")"
case "$version" in
  [0-9]*.[0-9]*.[0-9]*) ;;
  *) fail 13 "the bundle reported an unexpected version '$version'" ;;
esac
if [ -n "$want_version" ] && [ "$version" != "$want_version" ]; then
  fail 13 "the bundle is version $version, expected $want_version"
fi
# The config the service will use must pass the new version's checks before we switch to it.
check_config="$config"
[ -f "$check_config" ] || check_config="$payload/config.yaml"
# (Only when this version has the command: its --help lists it.)
if "$node_bin" "$bundle" --help 2>/dev/null | grep -Eq '^ +validate( |$)'; then
  "$node_bin" "$bundle" validate --config "$check_config" >"$work/validate.out" 2>&1 ||
    fail 13 "version $version rejects the config $check_config: $(head -c 1500 "$work/validate.out")"
fi

# Same content? (sha256sum is in coreutils; cmp is not on every minimal image.)
same() {
  [ -f "$1" ] && [ -f "$2" ] && [ "$(sha256sum <"$1")" = "$(sha256sum <"$2")" ]
}

changed=false
# --- Program: versions/<v>/ecs-triage.mjs and a `current` symlink switched atomically.
dest="$opt/versions/$version"
if same "$dest/ecs-triage.mjs" "$bundle"; then
  say "version $version is already in place"
else
  mkdir -p "$dest" || fail 13 "cannot create $dest"
  cp "$bundle" "$dest/ecs-triage.mjs.new" && chmod 0755 "$dest/ecs-triage.mjs.new" &&
    mv -f "$dest/ecs-triage.mjs.new" "$dest/ecs-triage.mjs" || fail 13 "cannot write $dest/ecs-triage.mjs"
  changed=true
fi
# `previous` names the version to roll back to. It changes only when `current` does, so installing the same
# version again keeps it.
was=$(readlink "$opt/current" 2>/dev/null || true)
switched=false
if [ "$was" != "versions/$version" ]; then
  ln -sfn "versions/$version" "$opt/current.new" && mv -Tf "$opt/current.new" "$opt/current" || fail 13 "cannot switch $opt/current"
  if [ -n "$was" ]; then
    ln -sfn "$was" "$opt/previous.new" && mv -Tf "$opt/previous.new" "$opt/previous" || fail 13 "cannot write $opt/previous"
  fi
  say "switched ${was:-nothing} -> versions/$version"
  switched=true
  changed=true
fi

# --- Command on PATH: runs the current bundle with the Node.js found above.
mkdir -p "$root/usr/local/bin" || fail 13 "cannot create $root/usr/local/bin"
printf '#!/bin/sh\n# Written by the ecs-triage-Install SSM document.\nexec %s %s "$@"\n' "'$node_bin'" "'$opt/current/ecs-triage.mjs'" >"$work/wrapper"
if ! same "$work/wrapper" "$wrapper"; then
  cp "$work/wrapper" "$wrapper.new" && chmod 0755 "$wrapper.new" && mv -f "$wrapper.new" "$wrapper" || fail 13 "cannot write $wrapper"
  changed=true
fi

# --- Config: only when missing.
if [ -f "$config" ]; then
  say "kept the existing $config"
else
  mkdir -p "$(dirname "$config")" && cp "$payload/config.yaml" "$config" && chmod 0644 "$config" || fail 13 "cannot write $config"
  say "wrote the default $config"
  changed=true
fi
mkdir -p "$state" && chmod 0700 "$state" || fail 13 "cannot create $state"

# --- Unit: systemd 235+ gets the full hardening; older (Amazon Linux 2: 219) the variant it understands.
systemd_version=$(systemctl --version 2>/dev/null | sed -n '1s/^systemd \([0-9][0-9]*\).*/\1/p')
[ -n "$systemd_version" ] || fail 14 "systemctl not found or did not report a version"
if [ "$systemd_version" -ge 235 ]; then unit_src="$payload/ecs-triage.service"; else unit_src="$payload/al2/ecs-triage.service"; fi
if ! same "$unit_src" "$unit"; then
  mkdir -p "$(dirname "$unit")" && cp "$unit_src" "$unit.new" && chmod 0644 "$unit.new" && mv -f "$unit.new" "$unit" || fail 14 "cannot write $unit"
  systemctl daemon-reload || fail 14 "systemctl daemon-reload failed"
  say "installed the unit for systemd $systemd_version"
  changed=true
fi

# --- The unit's Documentation= (no restart needed when only this changes).
if ! same "$payload/service.md" "$doc"; then
  mkdir -p "$(dirname "$doc")" && cp "$payload/service.md" "$doc.new" && chmod 0644 "$doc.new" && mv -f "$doc.new" "$doc" || fail 13 "cannot write $doc"
fi

# --- Keep the version in use and the one before it (`previous`); older ones go, when the version changed.
if [ "$switched" = true ]; then
  previous=$(readlink "$opt/previous" 2>/dev/null || true)
  for dir in "$opt"/versions/*; do
    [ -d "$dir" ] || continue
    name="versions/$(basename "$dir")"
    if [ "$name" != "versions/$version" ] && [ "$name" != "$previous" ]; then rm -rf "$dir"; fi
  done
fi

if [ "$start" != true ]; then
  say "version $version installed; service not started (StartService=false)"
  exit 0
fi
systemctl enable ecs-triage.service >/dev/null 2>&1 || fail 14 "systemctl enable ecs-triage.service failed"

# --- Start, then make sure it stays up. systemctl returns when the daemon says it is ready (Type=notify on
# systemd 252) or at once (Type=simple on 219); either way a daemon that dies a moment later is restarted by
# systemd (Restart=on-failure) and would look "active" to a single look. So: watch it past RestartSec (MainPID
# unchanged, no automatic restart), then ask the daemon itself (`ecs-triage status`).
unit_prop() { systemctl show ecs-triage.service -p "$1" 2>/dev/null | sed -n "s/^$1=//p"; }
# The daemon's own error lines from this attempt (it writes them at priority err), else its last lines.
daemon_said() {
  said=$(journalctl -u ecs-triage.service --since "$started_at" -t ecs-triage -p err -o cat --no-pager 2>/dev/null |
    awk 'NF && !seen[$0]++' | tail -n 10 | head -c 1500)
  [ -n "$said" ] || said=$(journalctl -u ecs-triage.service --since "$started_at" -o cat --no-pager 2>/dev/null | tail -n 10 | head -c 1500)
  printf '%s' "$said"
}
not_started() {
  said=$(daemon_said)
  fail 14 "$1${said:+:
$said}
(journalctl -u ecs-triage -n 50 shows more)"
}
started_at=$(date '+%Y-%m-%d %H:%M:%S')
if [ "$changed" = true ]; then
  # A start limit hit by earlier failed attempts would refuse the start the operator now asks for.
  systemctl reset-failed ecs-triage.service >/dev/null 2>&1 || true
  systemctl restart ecs-triage.service 2>"$work/start.err" || not_started "the service did not start ($(head -n 1 "$work/start.err" | head -c 300))"
  action="restarted"
elif systemctl is-active --quiet ecs-triage.service; then
  action="already running, unchanged"
else
  systemctl reset-failed ecs-triage.service >/dev/null 2>&1 || true
  systemctl start ecs-triage.service 2>"$work/start.err" || not_started "the service did not start ($(head -n 1 "$work/start.err" | head -c 300))"
  action="started"
fi
systemctl is-active --quiet ecs-triage.service || not_started "the service is not active after start"

restart_sec=$(sed -n 's/^RestartSec=\([0-9][0-9]*\)$/\1/p' "$unit" | tail -n 1)
settle="${ECS_TRIAGE_SETTLE_SECONDS:-$((${restart_sec:-5} + 3))}"
main_pid=$(unit_prop MainPID)
restarts_before=$(unit_prop NRestarts)
status_args="--config $config"
# (ECS_TRIAGE_ROOT: tests. The config's stateDir is a path on the real host.)
[ -z "$root" ] || status_args="$status_args --state-dir $state"
waited=0
while :; do
  state_now=$(unit_prop ActiveState)
  [ "$state_now" = active ] || not_started "the service did not stay up (now $state_now/$(unit_prop SubState))"
  [ "$(unit_prop MainPID)" = "$main_pid" ] || not_started "the service was restarted after starting (it exited)"
  # NRestarts is systemd 235+; on 219 the MainPID check above sees a restart.
  restarts_now=$(unit_prop NRestarts)
  if [ -n "$restarts_before" ] && [ -n "$restarts_now" ] && [ "$restarts_now" != "$restarts_before" ]; then
    not_started "systemd restarted the service $((restarts_now - restarts_before)) time(s) after it started"
  fi
  if [ "$waited" -ge "$settle" ]; then
    # shellcheck disable=SC2086 # status_args holds paths without spaces.
    "$wrapper" status $status_args >"$work/status.out" 2>&1
    status_rc=$?
    [ "$status_rc" -eq 0 ] && break
    if head -n 1 "$work/status.out" | grep -q ': running '; then
      fail 15 "ecs-triage $version runs but reports problems:
$(sed -n '/^problems:/,$p' "$work/status.out" | head -c 1500)"
    fi
    # No status yet (a first start reading a long backlog): keep waiting while the process stays up.
    [ "$waited" -lt $((settle + 60)) ] || not_started "the service runs but has not reported its status ($(head -c 500 "$work/status.out"))"
  fi
  sleep 1
  waited=$((waited + 1))
done
say "ecs-triage $version: service $action"
exit 0
