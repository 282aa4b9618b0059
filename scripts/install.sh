#!/usr/bin/env bash
# Installs what HYSOPE needs on a fresh Debian 12 machine: Debian packages (Chromium for the browser tests, PostgreSQL for the
# store tests and production-like runs, GDAL for the ingest benchmark baseline), the npm
# workspaces (npm ci) and the TypeScript build. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(procps util-linux unzip curl python3-owslib python3-requests python3-dateutil python3-jsonschema python3-shapely python3-deepdiff python3-more-itertools python3-click python3-yaml postgresql postgresql-15-postgis-3 python3-h5py python3-netcdf4 netcdf-bin gdal-bin chromium fonts-liberation python3-jupyter-server python3-jupyterlab-server python3-ipykernel python3-nbclient python3-nbformat jupyter-core jupyter-client jupyterhub ansible-core prometheus cwltool slurmctld slurmd slurm-client munge toil rabbitmq-server ceph-mon ceph-osd radosgw ceph-common haproxy)
missing=()
for p in "${APT_PACKAGES[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  echo "Installing Debian packages: ${missing[*]}"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# Jobs run under their own unprivileged accounts when the gateway is root (README, "Who may do what"): they
# must be able to reach this checkout's code, so every folder above it lets others through (o+x: traverse, not list).
if [ "$(id -u)" -eq 0 ]; then
  d="$(pwd)"
  while [ "$d" != "/" ]; do
    [ -n "$(find "$d" -maxdepth 0 ! -perm -o+x)" ] && chmod o+x "$d"
    d="$(dirname "$d")"
  done
fi

npm ci --no-audit --no-fund
npm run build
