#!/bin/sh
# Build and run the libFuzzer targets, each for SECONDS: over decoding and the
# connection table (fuzz_packets), seeded from the frames of the shared and
# golden captures; and over the block reader (fuzz_pcapfile), seeded with
# those captures as files (the first 64 KiB of each), inputs up to 1 MiB
# (several of the reader's 256 KiB blocks).
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
	-I"$top/core" "$here/fuzz_packets.c" "$top/core/decode.c" "$top/core/conntab.c" "$top/core/health.c" \
	-o "$work/fuzz_packets"
clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	-I"$top/core" "$here/fuzz_pcapfile.c" "$top/core/pcapfile.c" "$top/core/decode.c" \
	-o "$work/fuzz_pcapfile" -lpcap
python3 "$here/pcap2seed.py" "$work/seeds" "$shared"/pcaps/*.pcap "$top"/tests/golden/*.pcap
mkdir -p "$work/file-seeds" "$work/file-corpus"
for f in "$shared"/pcaps/*.pcap "$top"/tests/golden/*.pcap; do
	head -c 65536 "$f" > "$work/file-seeds/$(basename "$f")"
done
cd "$work"
./fuzz_packets -max_total_time="$secs" -max_len=65536 -print_final_stats=1 \
	-artifact_prefix="$work/" corpus seeds
exec ./fuzz_pcapfile -max_total_time="$secs" -max_len=1048576 -print_final_stats=1 \
	-artifact_prefix="$work/pcapfile-" file-corpus file-seeds
