#!/usr/bin/env bash
# The checked build (tests/run.sh runs it after the main suite): clang compiles the broker's
# services and the integration tests with its lock annotations checked (-Wthread-safety, as
# errors) and with ThreadSanitizer, then runs the integration tests (the real server, real
# TLS, real clients) under the sanitizer. Lean on purpose: its own folder (build-tsan), only
# the integration test targets, light debug information.
#
#   tests/checked/run.sh [ctest arguments...]
#
# Not yet part of tests/run.sh: the lock annotations compile cleanly as errors, but under
# ThreadSanitizer every integration test reports "unlock of an unlocked mutex" from the shim
# that makes Debian's uninstrumented Abseil locks visible (tests/testing/tsan_absl_sync.cc).
set -euo pipefail
cd "$(dirname "$0")/../.."

targets=$(sed -n 's/^tc_cc_test(NAME \([a-z_]*\)$/\1/p' tests/integration/CMakeLists.txt)
[ -n "$targets" ] || { echo "checked: no integration tests found" >&2; exit 1; }

echo "== checked build: clang, -Wthread-safety -Werror, ThreadSanitizer (build-tsan)"
cmake -S . -B build-tsan -G Ninja \
  -DCMAKE_CXX_COMPILER=clang++ \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -gline-tables-only" \
  -DTC_THREAD_SAFETY=ON -DTC_SANITIZE=thread >/dev/null
# shellcheck disable=SC2086  # one target per word
cmake --build build-tsan -j"$(nproc)" --target $targets

echo "== integration tests under ThreadSanitizer"
export TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 report_signal_unsafe=0 suppressions=$PWD/tests/checked/tsan.supp"
ctest --test-dir build-tsan --output-on-failure -j"$(nproc)" -L integration --timeout 600 "$@"
