#!/usr/bin/env bash
# `npm install` rather than `npm ci`: the registry reachable here serves only the Linux builds of
# packages with per-platform optional dependencies (@swc/core, esbuild, snappy...), so the lock
# file cannot list the others and `npm ci` refuses it. `npm install` keeps the locked versions.
set -euo pipefail
npm install --no-audit --no-fund
