#!/usr/bin/env bash
# End-to-end: the plugin build in dist/ (from 50-build-validate.sh) loaded and driven the way
# Grafana drives it, against a real VictoriaMetrics, with the repository's provisioning and alert
# rules. See docs/grafana-e2e.md.
set -euo pipefail
cd "$(dirname "$0")/../../tests/grafana"
exec go test -count=1 -timeout 20m -v ./...
