#!/usr/bin/env bash
# Grafana's plugin validator (plugincheck2), built from the Go module proxy into $(go env GOPATH)/bin.
# Its npm wrapper (@grafana/plugin-validator) downloads a release binary at run time, which cannot
# work without internet, so it is not used. If the proxy will not serve the module, this step says
# so and 50-build-validate.sh runs the repository's own packaging checks without it.
set -euo pipefail
VERSION=v0.31.0
BIN="$(go env GOPATH)/bin/plugincheck2"
if [ -x "$BIN" ] && [ "$(cat "$BIN.version" 2>/dev/null)" = "$VERSION" ]; then
  echo "plugincheck2 $VERSION present at $BIN"
  exit 0
fi
if GOFLAGS=-mod=mod go install "github.com/grafana/plugin-validator/pkg/cmd/plugincheck2@$VERSION" 2>/tmp/plugincheck2-install.log; then
  echo "$VERSION" >"$BIN.version"
  echo "installed plugincheck2 $VERSION at $BIN"
else
  echo "NOTE: could not install plugincheck2 $VERSION from the Go module proxy:"
  sed 's/^/  /' /tmp/plugincheck2-install.log | head -5
  echo "50-build-validate.sh will run the repository's own packaging checks only (the validator's npm wrapper needs the internet);"
  echo "docs/packaging.md lists the validator rules those checks cover and how to run the real validator elsewhere."
fi
