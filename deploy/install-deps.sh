#!/usr/bin/env bash
# Installs the Debian 12 packages Throughcare builds and runs with. Quick when they are present.
set -euo pipefail

packages=(
  cmake ninja-build g++ pkg-config
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libabsl-dev libssl-dev libsqlite3-dev sqlite3
  libpq-dev      # the PostgreSQL backend's client library (libpq)
  postgresql-15  # the server its tests start (initdb, pg_ctl; tests/storage/postgres_server.sh)
  libyaml-cpp-dev nlohmann-json3-dev libcli11-dev libspdlog-dev jq
  libcsv-dev  # the csv-files adapter: a strict RFC 4180 parser and quoting (LGPL-2.1+)
  tzdata      # the hmpps-events adapter: an event's date in Europe/London
  libcpp-httplib-dev  # the adapters' HTTPS listener (server) and its tests (client), with OpenSSL
  prometheus-cpp-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  faketime openssl python3
  clang libclang-rt-dev  # the fuzz targets and the checked build: clang, libFuzzer, sanitizers
  nodejs  # the test fhir_schema: ajv checks emitted FHIR against the R4 JSON schema (with npm)
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# npm comes with some builds of nodejs (NodeSource's) and is its own package in Debian's: ask for
# it only when there is none, so as not to fight a nodejs that has it.
command -v npm >/dev/null || missing+=(npm)
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
