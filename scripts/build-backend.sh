#!/usr/bin/env bash
# Builds the datasource backend (pkg/) for linux/amd64 and linux/arm64.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p dist/datasource
for arch in amd64 arm64; do
  out="dist/datasource/gpx_hifreq_netmon_linux_${arch}"
  echo "building ${out}"
  CGO_ENABLED=0 GOOS=linux GOARCH="${arch}" nice -n 10 go build -trimpath -ldflags "-s -w" -o "${out}" ./pkg
done
