#!/usr/bin/env bash
# Agent suite: type-check, then every agent test (collectors, scenarios, pod sources, remote write).
set -euo pipefail
cd "$(dirname "$0")/../.."
npm run typecheck -w agent
npm test -w agent
