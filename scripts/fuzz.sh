#!/usr/bin/env bash
# Fuzzes the RPC frame decoder and message decoders with libFuzzer.
# Usage: scripts/fuzz.sh [SECONDS]   (default 60; CI runs a short bounded pass)
# A crash leaves its input in fuzz-out/; replay it with: .build/debug/dcmms-fuzz fuzz-out/crash-*
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
scratch=.build/fuzz
# lld: gold fails on the sanitizer runtime's symbols (scripts/fuzz-toolset.json selects lld).
swift build --toolset scripts/fuzz-toolset.json --scratch-path "$scratch" --product dcmms-fuzz \
  -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING \
  -Xcc -fsanitize=fuzzer-no-link,address >/dev/null
binary="$(swift build --scratch-path "$scratch" --show-bin-path)/dcmms-fuzz"
mkdir -p fuzz-out/corpus
# Seeds: one valid input per target so the fuzzer starts from real structure.
printf '\x00\x01\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00\x00' >fuzz-out/corpus/seed-frame
printf '\x01DCMMSRPC\x00\x00\x00\x01\x02\x02\x00\x00\x00\x00\x00\x01\x00\x00\x00\x02\x12\x00' >fuzz-out/corpus/seed-preface
printf '\x02\x0a\x13/dcmms.v1.Echo/Echo\x10\x90\xa1\x0f\x22\x04zstd' >fuzz-out/corpus/seed-headers
printf '\x03\x08\x05\x12\x02no' >fuzz-out/corpus/seed-status
SWIFT_BACKTRACE=enable=no ASAN_OPTIONS=detect_leaks=0 "$binary" -max_total_time="$seconds" \
  -artifact_prefix=fuzz-out/ -print_final_stats=1 fuzz-out/corpus 2>&1 | tail -n 12
