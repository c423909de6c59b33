#!/usr/bin/env bash
# Deployment checks (tests/deploy, a Go module of its own):
# - docker-compose.yaml: valid per the compose spec (compose-go) and for Debian's docker-compose,
#   every image pinned (compose images and the Dockerfiles' FROM lines), loopback ports,
#   healthchecks, depends_on conditions, read-only host mounts, pod files matching the agents;
# - the Helm chart: helm lint and helm template for the default values and every example, the
#   manifests decoded strictly into the Kubernetes API types, RBAC/mount/securityContext rules;
# - the compose stack without Docker: VictoriaMetrics with the compose flags and both agents as
#   processes; both clusters' 1 s series must arrive.
set -euo pipefail
cd "$(dirname "$0")/../.."
export PATH="$(go env GOPATH)/bin:$PATH"
if ! command -v helm >/dev/null; then
  echo "helm is not installed: run bash scripts/install.d/50-deploy-tools.sh" >&2
  exit 1
fi
if [ ! -f agent/dist/main.js ]; then
  echo "building the agent (agent/dist/main.js is missing)"
  nice -n 10 npm run build -w agent
fi
cd tests/deploy
nice -n 10 go test -count=1 -v ./...
