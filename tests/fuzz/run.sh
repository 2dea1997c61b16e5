#!/usr/bin/env bash
# Builds the fuzz targets of tests/fuzz with clang and libFuzzer (every target instrumented with
# -fsanitize=fuzzer-no-link,address,undefined) into BUILD_DIR, incrementally, and runs each for
# SECONDS from its seed corpus. Fails on a crash, a sanitizer report, a leak, an input that takes
# over a second (-timeout=1) or over 2 GB, or a target that cannot be built.
#   tests/fuzz/run.sh BUILD_DIR SECONDS         e.g. tests/fuzz/run.sh build-fuzz 60
# New inputs that reach new code are kept in BUILD_DIR/fuzz-corpus/<target>/ for the next run
# (the checked-in seeds stay as they are); a failing input is saved in BUILD_DIR/fuzz-artifacts/
# and named in the output. Reproduce one with: BUILD_DIR/tests/fuzz/<target> FILE
set -euo pipefail
cd "$(dirname "$0")/../.."
usage="usage: tests/fuzz/run.sh BUILD_DIR SECONDS"
build=${1:?$usage}
seconds=${2:?$usage}
case $seconds in '' | *[!0-9]*) echo "$usage" >&2; exit 2 ;; esac

# The toolchain: clang and its sanitizer and libFuzzer runtimes (among the project's packages).
deploy/install-deps.sh
echo "== fuzz: build ($build)"
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ \
  -DTHROUGHCARE_FUZZ=ON -DTHROUGHCARE_BUILD_TESTS=OFF >/dev/null
cmake --build "$build" --target fuzz_targets -j"$(nproc)"

mkdir -p "$build/fuzz-artifacts"
failed=0
targets=0
for listing in "$build"/fuzz/*.target; do
  read -r name binary seeds <"$listing"
  targets=$((targets + 1))
  corpus=$build/fuzz-corpus/$name
  log=$build/fuzz-artifacts/$name.log
  mkdir -p "$corpus"
  echo "== fuzz: $name for ${seconds}s (seeds: ${seeds#"$PWD/"})"
  status=0
  "$binary" -max_total_time="$seconds" -timeout=1 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$build/fuzz-artifacts/$name-" "$corpus" "$seeds" >"$log" 2>&1 || status=$?
  # libFuzzer's closing statistics: executions, time, peak memory, new units.
  grep -E '^stat::(number_of_executed_units|average_exec_per_sec|new_units_added|peak_rss_mb)' \
    "$log" | sed 's/^/  /' || true
  if [ "$status" -ne 0 ]; then
    failed=$((failed + 1))
    echo "FAILED: $name exited $status; the end of its log ($log):"
    tail -n 40 "$log" | sed 's/^/  /'
  else
    echo "ok: $name: no crash, sanitizer report, leak or slow input"
  fi
done
if [ "$targets" -eq 0 ]; then
  echo "fuzz: no targets were built in $build/fuzz" >&2
  exit 1
fi
echo "fuzz: $targets target(s), $failed failed"
[ "$failed" -eq 0 ]
