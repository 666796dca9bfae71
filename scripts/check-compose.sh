#!/usr/bin/env bash
# Validates compose/ with what runs without a Docker engine or a cluster:
#   - docker-compose config    (Debian's docker-compose 1.29: parses, interpolates, checks the schema)
#   - promtool check config    (Debian's prometheus package)
#   - kubernetes-validate      (PyPI, in a venv outside the repo; skipped with a message when
#                               PyPI cannot be reached)
# Installs the Debian packages it needs when they are missing (as root).
# Usage: scripts/check-compose.sh     env: DCMMS_K8S_VENV (default /var/tmp/dcmms-venv-k8s-validate)
set -euo pipefail
cd "$(dirname "$0")/.."

die() { echo "check-compose: $*" >&2; exit 1; }

missing=()
command -v docker-compose >/dev/null 2>&1 || missing+=(docker-compose)
command -v promtool >/dev/null 2>&1 || missing+=(prometheus)
if ((${#missing[@]})); then
  [ "$(id -u)" -eq 0 ] || die "missing Debian packages (${missing[*]}); install them as root"
  echo "check-compose: installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The real secrets file is never committed; the example stands in for it.
echo "check-compose: docker-compose config"
DCMMS_ENV_FILE=.env.example docker-compose -f compose/docker-compose.yml config >/dev/null \
  || die "compose/docker-compose.yml is not valid"
# Properties docker-compose accepts but that this stack relies on.
resolved=$(DCMMS_ENV_FILE=.env.example docker-compose -f compose/docker-compose.yml config)
for service in feature-service training-service registry-service inference-gateway monitor-service; do
  grep -qE "^  $service:" <<<"$resolved" || die "service $service missing from the compose file"
done
grep -qE '^      replicas: 3$' <<<"$resolved" || die "the inference gateway must run 3 replicas"

echo "check-compose: promtool check config"
promtool check config compose/prometheus.yml >/dev/null || die "compose/prometheus.yml is not valid"

venv=${DCMMS_K8S_VENV:-/var/tmp/dcmms-venv-k8s-validate}
if [ ! -x "$venv/bin/kubernetes-validate" ]; then
  python3 -m venv "$venv" >/dev/null 2>&1 || true
  if ! "$venv/bin/pip" install -q --disable-pip-version-check --timeout 20 kubernetes-validate >/dev/null 2>&1; then
    echo "check-compose: SKIPPED the Kubernetes manifests: kubernetes-validate could not be installed from PyPI into $venv"
    echo "check-compose: compose and Prometheus files are valid"
    exit 0
  fi
fi
echo "check-compose: kubernetes-validate compose/k8s/*.yaml"
"$venv/bin/kubernetes-validate" --strict compose/k8s/*.yaml || die "the Kubernetes manifests are not valid"
echo "check-compose: all files are valid"
