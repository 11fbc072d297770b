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
#   ECS_TRIAGE_PAYLOAD  directory with ecs-triage.service, al2/ecs-triage.service and config.yaml
#   ECS_TRIAGE_ROOT     prefix for every path written (tests use a temporary root; empty on a real host)
# Exit codes (never 137 or 194, which the SSM agent reads as timeout and reboot):
#   0 installed or already up to date · 10 bad input · 11 no Node.js >= 20.19 · 12 download failed
#   13 the bundle failed its checks · 14 the service did not start
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
[ -f "$payload/ecs-triage.service" ] && [ -f "$payload/al2/ecs-triage.service" ] && [ -f "$payload/config.yaml" ] ||
  fail 10 "payload directory '$payload' lacks the unit files or config.yaml"

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
previous=$(readlink "$opt/current" 2>/dev/null || true)
if [ "$previous" != "versions/$version" ]; then
  ln -sfn "versions/$version" "$opt/current.new" && mv -Tf "$opt/current.new" "$opt/current" || fail 13 "cannot switch $opt/current"
  say "switched ${previous:-nothing} -> versions/$version"
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

# --- Keep the version in use and the one before it; older ones go.
for dir in "$opt"/versions/*; do
  [ -d "$dir" ] || continue
  name="versions/$(basename "$dir")"
  if [ "$name" != "versions/$version" ] && [ "$name" != "$previous" ]; then rm -rf "$dir"; fi
done

if [ "$start" != true ]; then
  say "version $version installed; service not started (StartService=false)"
  exit 0
fi
systemctl enable ecs-triage.service >/dev/null 2>&1 || fail 14 "systemctl enable ecs-triage.service failed"
if [ "$changed" = true ]; then
  systemctl restart ecs-triage.service || fail 14 "the service did not start: see journalctl -u ecs-triage -n 50"
  action="restarted"
elif systemctl is-active --quiet ecs-triage.service; then
  action="already running, unchanged"
else
  systemctl start ecs-triage.service || fail 14 "the service did not start: see journalctl -u ecs-triage -n 50"
  action="started"
fi
systemctl is-active --quiet ecs-triage.service || fail 14 "the service is not active: see journalctl -u ecs-triage -n 50"
say "ecs-triage $version: service $action"
exit 0
