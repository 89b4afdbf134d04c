NOTEBOOK_USER="${SDS_NOTEBOOK_USER:-ec2-user}"

# 3. git identity from the notebook's owner tags, and its idle-stop setting (tags set by the notebook product).
idle_minutes=0
if [ -f "$METADATA" ]; then
  notebook_arn="$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["ResourceArn"])' "$METADATA")"
  git_identity_from "$notebook_arn"
  idle_tag="$(resource_tag "$notebook_arn" IdleStopMinutes)"
  if [[ "$idle_tag" =~ ^[0-9]+$ ]]; then idle_minutes="$idle_tag"; fi
fi

# 4. Idle stop: every 5 minutes, a root-owned check stops this notebook when no kernel or terminal has been
# active for the chosen minutes. It calls only the local Jupyter API and the SageMaker API endpoint.
IDLE_DIR="${SDS_IDLE_DIR:-/usr/local/lib/sds-idle-stop}"
UNIT_DIR="${SDS_SYSTEMD_DIR:-/etc/systemd/system}"
mkdir -p "$IDLE_DIR"
cat > "$IDLE_DIR/idle_stop.py" <<'PYTHON'
"""Stops this notebook instance when no kernel or terminal has been active for the given minutes."""
import datetime
import json
import os
import ssl
import subprocess
import sys
import urllib.request

API = os.environ.get("SDS_JUPYTER_API", "https://localhost:8443/api")
METADATA = os.environ.get("SDS_RESOURCE_METADATA", "/opt/ml/metadata/resource-metadata.json")
AWS_CLI = os.environ.get("SDS_AWS_CLI", "aws")


def log(message):
    print(f"idle-stop: {message}", flush=True)


def get(path):
    # The notebook's own Jupyter server, on this host, with its self-signed certificate.
    context = ssl._create_unverified_context() if API.startswith("https://localhost") else None
    with urllib.request.urlopen(f"{API}/{path}", timeout=10, context=context) as response:
        return json.load(response)


def parse(stamp):
    return datetime.datetime.fromisoformat(stamp.replace("Z", "+00:00"))


def main(minutes, region, started_file):
    now = datetime.datetime.now(datetime.timezone.utc)
    try:
        sessions, terminals = get("sessions"), get("terminals")
    except Exception as error:  # an unreachable API is never a reason to stop
        log(f"Jupyter API unreachable ({error}): not stopping")
        return "api-down"
    if any(s.get("kernel", {}).get("execution_state") == "busy" for s in sessions):
        log("a kernel is busy: not stopping")
        return "busy"
    started = datetime.datetime.fromtimestamp(os.path.getmtime(started_file), datetime.timezone.utc)
    stamps = [s["kernel"]["last_activity"] for s in sessions if s.get("kernel", {}).get("last_activity")]
    stamps += [t["last_activity"] for t in terminals if t.get("last_activity")]
    last = max([started, *map(parse, stamps)])
    idle = (now - last).total_seconds() / 60
    if idle < minutes:
        log(f"idle for {idle:.0f} of {minutes} minutes: not stopping")
        return "active"
    with open(METADATA) as source:
        name = json.load(source)["ResourceName"]
    log(f"idle for {idle:.0f} minutes (limit {minutes}): stopping {name}")
    subprocess.run(
        [AWS_CLI, "sagemaker", "stop-notebook-instance", "--notebook-instance-name", name, "--region", region],
        check=True,
    )
    return "stopped"


if __name__ == "__main__":
    print(main(int(sys.argv[1]), sys.argv[2], sys.argv[3]))
PYTHON
touch "$IDLE_DIR/started"
chmod 0755 "$IDLE_DIR" && chmod 0644 "$IDLE_DIR/idle_stop.py"
# The timer's PATH is not this script's: name the CLI this script found.
aws_cli="$(command -v aws || echo aws)"
idle_command="/usr/bin/python3 $IDLE_DIR/idle_stop.py $idle_minutes ${SDS_REGION} $IDLE_DIR/started"
if [ "$idle_minutes" -eq 0 ]; then
  if command -v systemctl >/dev/null && [ -f "$UNIT_DIR/sds-idle-stop.timer" ]; then
    systemctl disable --now sds-idle-stop.timer || true
    rm -f "$UNIT_DIR/sds-idle-stop.timer" "$UNIT_DIR/sds-idle-stop.service"
  fi
  echo "idle stop is off for this notebook"
elif command -v systemctl >/dev/null; then
  cat > "$UNIT_DIR/sds-idle-stop.service" <<UNIT
[Unit]
Description=Stop this notebook instance when idle
[Service]
Type=oneshot
Environment=SDS_AWS_CLI=$aws_cli
ExecStart=$idle_command
UNIT
  cat > "$UNIT_DIR/sds-idle-stop.timer" <<UNIT
[Unit]
Description=Check every 5 minutes whether this notebook instance is idle
[Timer]
OnBootSec=5min
OnUnitActiveSec=5min
[Install]
WantedBy=timers.target
UNIT
  systemctl daemon-reload
  systemctl enable --now sds-idle-stop.timer
  echo "idle stop after $idle_minutes minutes (systemd timer)"
elif command -v crontab >/dev/null; then
  { crontab -l 2>/dev/null | grep -v idle_stop.py || true; echo "*/5 * * * * SDS_AWS_CLI=$aws_cli $idle_command >> /var/log/sds-idle-stop.log 2>&1"; } | crontab -
  echo "idle stop after $idle_minutes minutes (cron)"
else
  echo "idle stop requested ($idle_minutes minutes) but this instance has neither systemd nor cron: not installed"
fi

chown -R "$NOTEBOOK_USER:$NOTEBOOK_USER" "$MODULE_DIR" "$USER_HOME/.ipython" "$USER_HOME/.config"
if [ -f "$USER_HOME/.gitconfig" ]; then chown "$NOTEBOOK_USER:$NOTEBOOK_USER" "$USER_HOME/.gitconfig"; fi
echo "sagemaker environment configured for project ${SDS_PROJECT_NAME} (${SDS_ENV_TYPE})"
