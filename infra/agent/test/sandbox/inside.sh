#!/usr/bin/env bash
# Runs as the only job of the container boot.sh starts (systemd is PID 1). Prints RESULT and PROBE lines
# that test/sandbox.test.ts reads. Node is passed in /out/node-path (the one running the tests).
set -uo pipefail
node=$(cat /out/node-path)
result() { echo "RESULT $1=$2"; }

# An app that owns its data, as on a VM: the agent must read files only openclaw may read, and stop it.
useradd -r -M openclaw
mkdir -p /data/memory
echo "only openclaw may read this" >/data/private.txt
chown -R openclaw:openclaw /data
chmod 600 /data/private.txt
printf '[Service]\nExecStart=/bin/sleep infinity\n' >/etc/systemd/system/openclaw.service
systemctl daemon-reload
systemctl start openclaw

bash /out/agent/install.sh --bundle /out/fake-agent.mjs --node "$node" --token t0k --gateway wss://gw.example/agent
result install "$?"
result active "$(systemctl is-active nacre-agent)"
result enabled "$(systemctl is-enabled nacre-agent)"
pid=$(systemctl show nacre-agent -p MainPID --value)
result capbnd "$(awk '/^CapBnd/ {print $2}' "/proc/$pid/status")"
result nonewprivs "$(awk '/^NoNewPrivs/ {print $2}' "/proc/$pid/status")"
result seccomp "$(awk '/^Seccomp:/ {print $2}' "/proc/$pid/status")"
result nice "$(ps -o ni= -p "$pid" | tr -d ' ')"
result ionice "$(ionice -p "$pid" | tr -d ' ')"

# The same sandbox around probe.mjs: a copy of the installed unit with only ExecStart and Type changed.
sed -e "s|^ExecStart=.*|ExecStart=$node /out/probe.mjs|" -e 's/^Restart=always/Restart=no/' -e 's/^Type=exec/Type=oneshot/' \
  /etc/systemd/system/nacre-agent.service >/etc/systemd/system/nacre-probe.service
systemctl daemon-reload
systemctl start nacre-probe
result probe "$?"
journalctl -u nacre-probe --no-pager -o cat | grep '^PROBE '

# Node under MemoryDenyWriteExecute=yes: the reason the unit leaves it off.
mkdir -p /etc/systemd/system/nacre-probe.service.d
printf '[Service]\nMemoryDenyWriteExecute=yes\nExecStart=\nExecStart=%s -e "console.log(1)"\n' "$node" \
  >/etc/systemd/system/nacre-probe.service.d/mdwe.conf
systemctl daemon-reload
systemctl start nacre-probe 2>/dev/null
result mdwe "$(systemctl show nacre-probe -p Result --value)"

# A re-run restarts the service and keeps the identity; uninstall stops it; --purge drops the identity.
bash /out/agent/install.sh --bundle /out/fake-agent.mjs --node "$node" --token other | grep -E 'identity|service'
result rerun_active "$(systemctl is-active nacre-agent)"
bash /out/agent/install.sh --bundle /out/fake-agent.mjs --node "$node" --no-start | grep 'service:'
bash /out/agent/install.sh --uninstall >/dev/null
result uninstall_active "$(systemctl is-active nacre-agent)"
result uninstall_identity "$(test -f /var/lib/nacre-agent/identity.json && echo kept || echo gone)"
bash /out/agent/install.sh --uninstall --purge >/dev/null
result purge_identity "$(test -e /var/lib/nacre-agent && echo kept || echo gone)"
# Not enrolled: installed, but neither enabled nor started.
bash /out/agent/install.sh --bundle /out/fake-agent.mjs --node "$node" | grep 'service:'
result unenrolled_enabled "$(systemctl is-enabled nacre-agent)"
echo "RESULT done=1"
