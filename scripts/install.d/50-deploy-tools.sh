#!/usr/bin/env bash
# Tools of the deployment checks (scripts/test.d/60-deploy.sh):
# - helm, built from the Go module proxy at a pinned version into $(go env GOPATH)/bin (skipped
#   when that version is already there);
# - the Go modules of tests/deploy (compose-go for the compose spec, k8s.io/api for strict offline
#   validation of the rendered manifests), so the tests need no network.
# docker-compose, victoria-metrics and node come from 10-apt.sh and the machine.
set -euo pipefail
cd "$(dirname "$0")/../.."
HELM_MODULE=helm.sh/helm/v4
HELM_VERSION=v4.3.1
bin="$(go env GOPATH)/bin"
installed=""
if [ -x "$bin/helm" ]; then
  installed=$(go version -m "$bin/helm" | awk -v m="$HELM_MODULE" '$1 == "mod" && $2 == m {print $3}')
fi
if [ "$installed" = "$HELM_VERSION" ]; then
  echo "helm $HELM_VERSION present in $bin"
else
  echo "building helm $HELM_VERSION from the Go module proxy into $bin (a few minutes)${installed:+, replacing $installed}"
  GOBIN="$bin" nice -n 10 go install "$HELM_MODULE/cmd/helm@$HELM_VERSION"
fi
(cd tests/deploy && go mod download)
echo "deploy test modules downloaded"
