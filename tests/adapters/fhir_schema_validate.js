// Validates FHIR R4 JSON files against the official FHIR R4 JSON schema with ajv, an independent
// JSON Schema validator (not the code that wrote them).
//   node fhir_schema_validate.js NODE_MODULES SCHEMA FILE...
// Exits 0 when every file is valid, 1 when any is not (each error printed), 2 on a usage error.
'use strict';
const fs = require('fs');
const path = require('path');

const [modules, schemaFile, ...files] = process.argv.slice(2);
if (!modules || !schemaFile || files.length === 0) {
  console.error('usage: node fhir_schema_validate.js NODE_MODULES SCHEMA FILE...');
  process.exit(2);
}
const Ajv = require(path.join(modules, 'ajv'));
const draft06 = require(path.join(modules, 'ajv/dist/refs/json-schema-draft-06.json'));

// The FHIR schema is draft-06 and uses keywords ajv does not know in strict mode
// ("discriminator" with a mapping); strict: false ignores them, as draft-06 says to.
const ajv = new Ajv({strict: false, allErrors: true});
ajv.addMetaSchema(draft06);
const schema = JSON.parse(fs.readFileSync(schemaFile, 'utf8'));
// The schema names itself with draft-04's "id", which draft-06 spells "$id" (ajv refuses the old
// spelling). Only the top level has one.
if (schema.id !== undefined && schema.$id === undefined) {
  schema.$id = schema.id;
  delete schema.id;
}
const validate = ajv.compile(schema);

let failed = 0;
for (const file of files) {
  const resource = JSON.parse(fs.readFileSync(file, 'utf8'));
  if (validate(resource)) {
    console.log(`valid: ${path.basename(file)} (${resource.resourceType})`);
    continue;
  }
  failed++;
  // The top-level oneOf reports every resource type's failure; validating against the file's
  // own resource type's definition gives the useful errors.
  const own = ajv.getSchema(`${schema.$id}#/definitions/${resource.resourceType}`);
  const errors = own && !own(resource) ? own.errors : validate.errors;
  console.log(`INVALID: ${path.basename(file)} (${resource.resourceType})`);
  for (const e of errors.slice(0, 20)) {
    console.log(`  ${e.instancePath || '/'} ${e.message} ${JSON.stringify(e.params)}`);
  }
}
console.log(`fhir schema: ${files.length - failed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
