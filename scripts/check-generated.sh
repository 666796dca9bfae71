#!/usr/bin/env bash
# Fails (exit 1, with a diff) when the committed protoc-c output or generated Swift differs from
# a fresh regeneration of proto/dcmms/v1/*.proto: someone edited generated code by hand, or
# changed a .proto file without running scripts/generate-protos.sh.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
fresh=$(mktemp -d)
trap 'rm -rf "$fresh"' EXIT

"$repo/scripts/generate-protos.sh" "$fresh" >/dev/null

status=0
for dir in Shared/CWireProtos Shared/WireProtos/Generated; do
  if ! diff -ru "$repo/$dir" "$fresh/$dir"; then
    status=1
  fi
done
if [[ $status -ne 0 ]]; then
  echo "check-generated.sh: generated code is out of date; run scripts/generate-protos.sh and commit the result" >&2
  exit 1
fi
echo "check-generated.sh: generated code is up to date"
