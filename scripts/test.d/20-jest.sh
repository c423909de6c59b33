#!/usr/bin/env bash
# Plugin frontend unit and component tests (jest + @testing-library/react, jsdom).
set -euo pipefail
cd "$(dirname "$0")/../.."
CI=true npm run test:jest -- --ci --forceExit
