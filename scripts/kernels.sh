#!/usr/bin/env bash
# Registers the notebook kernels with the lab's Jupyter data folder: tslab (TypeScript and JavaScript,
# from this repository's node_modules) and Python's ipykernel (Debian's python3-ipykernel).
# Usage: scripts/kernels.sh [JUPYTER_DATA_DIR]   (default: server/lab/.state/data, as start-lab.sh uses)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DATA="${1:-${HYSOPE_LAB_STATE:-$ROOT/server/lab/.state}/data}"
mkdir -p "$DATA"
export JUPYTER_DATA_DIR="$DATA"
"$ROOT/node_modules/.bin/tslab" install --python=/usr/bin/python3 --binary="$ROOT/node_modules/.bin/tslab" --user
/usr/bin/jupyter kernelspec list 2>/dev/null || true
