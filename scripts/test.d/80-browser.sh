#!/usr/bin/env bash
# Browser specs on the plugin harness (docs/browser-tests.md): the built plugin (dist/) in
# Debian's chromium, behind grafana-api-fake (a fake of Grafana's HTTP API in front of the real
# plugin backend), a real VictoriaMetrics and two real hifreq-agent processes.
# Needs dist/ and agent/dist (50-build-validate.sh builds them), victoria-metrics, chromium, Go.
set -euo pipefail
cd "$(dirname "$0")/../.."
exec npx playwright test -c tests/plugin-harness/playwright.config.ts
