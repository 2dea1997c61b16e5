#!/usr/bin/env bash
# Sets up and runs every test: installs the Debian packages, checks the direction of includes,
# builds into build/, runs ctest, then runs the suite again with the clock moved to hard dates
# (tests/calendar/run.sh), then each fuzz target for 60 seconds (tests/fuzz/run.sh, clang and
# libFuzzer, built in build-fuzz/). The checked build (tests/checked/run.sh: clang's lock
# annotations as errors, the integration tests under ThreadSanitizer) is run by hand until its
# ThreadSanitizer run is clean (see its header).
#   tests/run.sh                 everything
#   tests/run.sh -L integration  only tests with a ctest label (unit, integration, demo, crash),
#                                at today's date only, without fuzzing
set -euo pipefail
cd "$(dirname "$0")/.."

deploy/install-deps.sh
echo "== include directions"
tests/layers/check_includes.py
echo "== configure"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
echo "== build"
cmake --build build -j"$(nproc)"
echo "== test"
ctest --test-dir build --output-on-failure -j"$(nproc)" "$@"
if [ $# -eq 0 ]; then
  echo "== test with the clock moved"
  tests/calendar/run.sh build
  echo "== fuzz"
  tests/fuzz/run.sh build-fuzz 60
fi
