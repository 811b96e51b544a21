#!/usr/bin/env bash
# Boots this machine's own filesystem as a throwaway systemd container and runs inside.sh in it as the
# only job, so the unit's sandbox can be checked with a real systemd on a machine that does not run one.
# Usage (root, in a private mount namespace so nothing here shows on the host):
#   unshare -m --propagation private bash boot.sh OUT_DIR SCRATCH_DIR
# OUT_DIR must hold inside.sh, probe.mjs, fake-agent.mjs and the agent's infra files under agent/;
# inside.sh writes its log to OUT_DIR/inside.log. Every write of the container lands in a tmpfs overlay
# mounted on the empty SCRATCH_DIR, dropped at exit.
set -euo pipefail
out=$(cd "$1" && pwd)
# nspawn keeps its bookkeeping under /run; on a host without systemd that is a real directory.
mount -n -t tmpfs -o mode=755 tmpfs /run
# An empty directory the caller made (and removes); the tmpfs over it exists only in this namespace.
scratch=$(cd "$2" && pwd)
mount -n -t tmpfs -o size=4G tmpfs "$scratch"
mkdir -p "$scratch"/{upper,work,root}
mount -n -t overlay overlay -o "lowerdir=/,upperdir=$scratch/upper,workdir=$scratch/work" "$scratch/root"
units=$scratch/root/etc/systemd/system
mkdir -p "$units"
# The container starts only this: sysinit, then inside.sh, then it powers off.
cat >"$units/nacre-sandbox-check.target" <<'UNIT'
[Unit]
Description=Nacre agent sandbox check
Requires=nacre-sandbox-check.service
After=nacre-sandbox-check.service
UNIT
cat >"$units/nacre-sandbox-check.service" <<'UNIT'
[Service]
Type=oneshot
ExecStart=/bin/bash /out/inside.sh
StandardOutput=append:/out/inside.log
StandardError=append:/out/inside.log
ExecStopPost=/bin/systemctl --no-block poweroff
TimeoutStartSec=300
UNIT
exec systemd-nspawn -D "$scratch/root" -M nacre-sandbox-check --boot --private-network --register=no --keep-unit \
  --link-journal=no --resolv-conf=off --timezone=off --bind="$out:/out" -- systemd.unit=nacre-sandbox-check.target
