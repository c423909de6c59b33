#!/usr/bin/env bash
# Debian packages the tests use: a real VictoriaMetrics (with vmagent), Chromium for the browser
# tests, node_exporter as the agent benchmark's baseline, docker-compose to validate the compose file.
set -euo pipefail
packages=(victoria-metrics chromium prometheus-node-exporter docker-compose)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && { echo "apt packages present: ${packages[*]}"; exit 0; }
SUDO=; [ "$(id -u)" -eq 0 ] || SUDO=sudo
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
