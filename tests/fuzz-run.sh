#!/bin/sh
# fuzz-run.sh SECONDS: runs the Y.1731 decoder fuzz target for SECONDS
# seconds from the reference frames, in tests/fuzz-corpus.  Exits non-zero
# if libFuzzer finds a crash, a sanitizer error or a failed round trip;
# the input that did it is left as tests/crash-*.
set -e
seconds=${1:-60}
cd tests
mkdir -p fuzz-corpus
./test-y1731 seeds fuzz-corpus
./fuzz-y1731 -max_total_time="$seconds" -max_len=2048 -print_final_stats=1 \
    -artifact_prefix=./ fuzz-corpus 2>fuzz.log || {
    tail -40 fuzz.log
    echo "fuzz-y1731: FAILED (see tests/fuzz.log)"
    exit 1
}
grep -E '^stat::number_of_executed_units|^#[0-9]+.*DONE' fuzz.log || true
echo "fuzz-y1731: no crash in $seconds s"
