#!/bin/sh
# Build and run the libFuzzer target over decoding and the connection table,
# seeded from the shared captures and the golden ones.
#   tests/fuzz/run.sh [SECONDS] [WORKDIR]     (default 60 s, tests/fuzz/work)
# Needs clang with libFuzzer (Debian: clang, libclang-rt-dev).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$here/../..
secs=${1:-60}
work=${2:-$here/work}
shared=${SHARED_DIR:-$top/../shared}
mkdir -p "$work/corpus"
clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	-I"$top/core" "$here/fuzz_packets.c" "$top/core/decode.c" "$top/core/conntab.c" \
	-o "$work/fuzz_packets"
python3 "$here/pcap2seed.py" "$work/seeds" "$shared"/pcaps/*.pcap "$top"/tests/golden/*.pcap
cd "$work"
exec ./fuzz_packets -max_total_time="$secs" -max_len=65536 -print_final_stats=1 \
	-artifact_prefix="$work/" corpus seeds
