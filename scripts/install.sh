#!/usr/bin/env bash
# Installs everything the tests need on a fresh machine: runs scripts/install.d/*.sh in order.
set -euo pipefail
cd "$(dirname "$0")/.."
for step in scripts/install.d/*.sh; do
  echo "== install: ${step##*/}"
  bash "$step"
done
