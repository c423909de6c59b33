#!/usr/bin/env bash
set -euo pipefail
go mod download
