#!/usr/bin/env bash
# The Grafana end-to-end suite (tests/grafana, its own Go module): download its modules and compile
# it so that the test step does not. A Grafana server cannot be built here: the Go module proxy
# refuses github.com/grafana/grafana (and grafana/alerting, grafana/authlib, grafana-app-sdk) with
# "403 This module version is not available", and no registry serves a Grafana build. The suite
# therefore runs the plugin's backend binary through hashicorp go-plugin exactly as Grafana does;
# docs/grafana-e2e.md has the details and how to run against a full Grafana.
set -euo pipefail
cd "$(dirname "$0")/../../tests/grafana"
go mod download
nice -n 10 go vet ./...
echo "tests/grafana: modules downloaded and the suite compiled"
