#!/usr/bin/env bash
# Runs the test suite with the machine's clock moved (libfaketime) to dates that are hard for
# this domain, so that a test that gives the broker a literal date, or assumes a weekday, a
# month or a year, fails the day it is written rather than the day its date comes round.
#
#   tests/calendar/run.sh BUILD_DIR [ctest arguments...]
#
# Each date is where the clock starts; time keeps running from there (one offset for every
# process of the run, so the broker and its clients agree). The crash harness (label crash)
# is left out: it is about SIGKILL, not the calendar, and takes a minute a run. So are the
# PostgreSQL storage tests (label postgres): storage takes every time from its caller and reads
# no clock, and a PostgreSQL server under libfaketime would test libfaketime.
# CALENDAR_DATES overrides the dates, one per line, e.g. CALENDAR_DATES='2028-02-29 23:59:00'.
set -euo pipefail
build=${1:?usage: tests/calendar/run.sh BUILD_DIR [ctest arguments...]}
shift

default_dates='2027-12-24 16:00:00
2028-02-29 23:58:30
2027-12-31 23:59:00
2028-03-26 23:30:00'
# Friday before the Christmas bank holidays (27 and 28 December 2027 are substitute days);
# the end of a leap day, crossing into March during the run; the last minute of a year,
# crossing into the next; a Sunday night, crossing into a Monday.
dates=${CALENDAR_DATES:-$default_dates}

lib=""
for candidate in /usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1 \
                 /usr/lib/*/faketime/libfaketimeMT.so.1; do
  [ -f "$candidate" ] && { lib=$candidate; break; }
done
if [ -z "$lib" ]; then
  echo "calendar: libfaketime is not installed (Debian package faketime)" >&2
  exit 2
fi

failed=0
summary=""
while IFS= read -r date; do
  [ -n "$date" ] || continue
  offset=$(( $(date -u -d "$date" +%s) - $(date -u +%s) ))
  echo "== calendar: tests with the clock at $date UTC ($(date -u -d "$date" +%A))"
  # Monotonic clocks stay real (gRPC's timers use them); file times stay real (the build).
  if ! FAKETIME="$(printf '%+d' "$offset")" FAKETIME_DONT_FAKE_MONOTONIC=1 \
       DONT_FAKE_MONOTONIC=1 NO_FAKE_STAT=1 LD_PRELOAD="$lib" TZ=UTC \
       ctest --test-dir "$build" --output-on-failure -j"$(nproc)" -LE 'crash|postgres' "$@"; then
    echo "calendar: FAILED with the clock at $date"
    failed=$((failed + 1))
    summary+="  at $date: $(cut -d: -f2 "$build/Testing/Temporary/LastTestsFailed.log" 2>/dev/null | tr '\n' ' ')"$'\n'
  fi
done <<<"$dates"
if [ "$failed" -ne 0 ]; then
  echo "calendar: failed at $failed date(s):"
  printf '%s' "$summary"
  exit 1
fi
echo "calendar: every test passed at every date"
