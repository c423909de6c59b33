#!/usr/bin/env bash
# Plugin frontend static checks: TypeScript type-check of src/ and ESLint (@grafana/eslint-config).
set -euo pipefail
cd "$(dirname "$0")/../.."
npm run typecheck
npm run lint
