import { getOption, hasOption, ScalarType, type DescEnum, type DescExtension, type DescField, type DescMessage, type Registry } from '@bufbuild/protobuf';
import { openApiPath } from '../routing/path-template';
import type { Route } from '../routing/routes';
import { Comments, summaryOf } from './comments';
import { createRuleKeywords } from './rule-keywords';

/** JsonSchema is an OpenAPI 3.1 schema object (JSON Schema 2020-12). */
export type JsonSchema = { [key: string]: unknown };

/** OpenApiDocument is the generated document (kept loosely typed: it is only serialised). */
export type OpenApiDocument = { openapi: string; paths: Record<string, Record<string, JsonSchema>>; components: { schemas: Record<string, JsonSchema>; [key: string]: unknown }; [key: string]: unknown };

/** OpenApiOptions name the API in the document. */
export interface OpenApiOptions {
  title: string;
  version: string;
  description?: string;
}

const FIELD_BEHAVIOR = { REQUIRED: 2, OUTPUT_ONLY: 3, INPUT_ONLY: 4, IMMUTABLE: 5, IDENTIFIER: 8 } as const;
const CODE_NAMES = [
  'OK', 'CANCELLED', 'UNKNOWN', 'INVALID_ARGUMENT', 'DEADLINE_EXCEEDED', 'NOT_FOUND', 'ALREADY_EXISTS', 'PERMISSION_DENIED', 'RESOURCE_EXHAUSTED',
  'FAILED_PRECONDITION', 'ABORTED', 'OUT_OF_RANGE', 'UNIMPLEMENTED', 'INTERNAL', 'UNAVAILABLE', 'DATA_LOSS', 'UNAUTHENTICATED',
];
const REF = (name: string) => `#/components/schemas/${name}`;
const STANDARD_METHODS: ReadonlySet<string> = new Set(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']);
const DOUBLE: JsonSchema = { oneOf: [{ type: 'number' }, { type: 'string', enum: ['NaN', 'Infinity', '-Infinity'] }] };

/** OPS_PATHS are the gateway's own endpoints, documented next to the API. */
export const OPS_PATHS = ['/healthz', '/readyz', '/metrics', '/openapi.json', '/docs'] as const;

/**
 * buildOpenApi generates an OpenAPI 3.1 document from the routes and the
 * descriptors: one operation per HTTP binding, parameters from path
 * variables and (unless the body is "*") every other field as a query
 * parameter, request and response schemas in canonical proto3 JSON types
 * (int64 as strings, enums by name, Timestamps as date-times ...), `required`
 * from field_behavior REQUIRED, readOnly from OUTPUT_ONLY, writeOnly from
 * INPUT_ONLY, security from shop.common.v1.access, the error body, and the
 * proto comments as descriptions.
 */
export function buildOpenApi(routes: readonly Route[], registry: Registry, options: OpenApiOptions): OpenApiDocument {
  const behaviorExt = registry.getExtension('google.api.field_behavior');
  const schemas = new SchemaBuilder(new Comments(), behaviorExt, createRuleKeywords(registry));
  const comments = new Comments();
  const paths: Record<string, Record<string, JsonSchema>> = {};
  const tags = new Map<string, string | undefined>();

  for (const route of routes) {
    const path = openApiPath(route.template);
    const method = route.httpMethod.toLowerCase();
    const item = (paths[path] ??= {});
    // OpenAPI 3.1 has fields for eight methods only; others (custom google.api.http
    // kinds) go where OpenAPI 3.2 puts them, under an extension until then.
    const standard = STANDARD_METHODS.has(method);
    const target = standard ? item : ((item['x-additionalOperations'] ??= {}) as Record<string, JsonSchema>);
    const key = standard ? method : route.httpMethod;
    if (target[key]) continue;
    const service = route.rpc.desc.parent;
    const tag = service.name;
    tags.set(tag, comments.of(service));
    const comment = comments.of(route.rpc.desc);
    const operation: JsonSchema = {
      operationId: route.id,
      tags: [tag],
      summary: summaryOf(comment) ?? route.rpc.name,
      description: [comment, accessNote(route)].filter(Boolean).join('\n\n'),
      parameters: [...pathParameters(route, schemas, comments), ...queryParameters(route, schemas, comments), { $ref: '#/components/parameters/RequestId' }, ...(route.streaming ? [] : [{ $ref: '#/components/parameters/GrpcTimeout' }])],
      responses: responses(route, schemas),
      // A public operation declares no requirement (a token stays optional, as its description says), so
      // Swagger UI shows a lock only on the operations that need a token: open until you Authorize, then closed.
      security: route.access === 'public' ? [] : [{ bearerAuth: [] }],
      'x-shop-access': route.access,
      'x-grpc-method': route.rpc.path,
    };
    const body = requestBody(route, schemas);
    if (body) operation['requestBody'] = body;
    if (route.rpc.desc.deprecated) operation['deprecated'] = true;
    target[key] = operation;
  }
  addOpsPaths(paths);

  return {
    openapi: '3.1.0',
    jsonSchemaDialect: 'https://spec.openapis.org/oas/3.1/dialect/base',
    info: { title: options.title, version: options.version, ...(options.description ? { description: options.description } : {}) },
    servers: [{ url: '/' }],
    tags: [...[...tags].map(([name, description]) => (description ? { name, description } : { name })), { name: 'Operations', description: 'Health, readiness, metrics and this document.' }],
    paths,
    components: {
      schemas: { ...schemas.all(), ...errorSchemas() },
      parameters: {
        RequestId: { name: 'x-request-id', in: 'header', required: false, description: 'Correlates the request across services and appears in errors; 1 to 128 characters of A-Z a-z 0-9 . _ : -. One is made when absent.', schema: { type: 'string', pattern: '^[A-Za-z0-9._:-]{1,128}$' } },
        GrpcTimeout: { name: 'grpc-timeout', in: 'header', required: false, description: 'How long the call may take, as in gRPC ("500m" is 500 ms, "2S" two seconds); capped by the gateway.', schema: { type: 'string', pattern: '^[0-9]{1,8}[HMSmun]$' } },
      },
      headers: {
        RequestId: { description: 'The request id, to quote when reporting a problem.', schema: { type: 'string' } },
        RetryAfter: { description: 'Seconds to wait before retrying (429 and 503).', schema: { type: 'integer', minimum: 1 } },
        RateLimitLimit: { description: 'Requests allowed in a burst.', schema: { type: 'integer' } },
        RateLimitRemaining: { description: 'Requests left in the burst.', schema: { type: 'integer' } },
        RateLimitReset: { description: 'Seconds until the burst allowance is full again.', schema: { type: 'integer' } },
      },
      responses: {
        Error: {
          description: 'The request failed. The body says why; see the Error schema.',
          headers: { 'x-request-id': { $ref: '#/components/headers/RequestId' } },
          content: { 'application/json': { schema: { $ref: REF('Error') }, example: ERROR_EXAMPLES.invalid } },
        },
        Unauthenticated: {
          description: 'No valid bearer token: log in (POST /v1/auth/login) and send "Authorization: Bearer <accessToken>".',
          headers: { 'x-request-id': { $ref: '#/components/headers/RequestId' }, 'www-authenticate': { description: 'The bearer challenge (RFC 6750).', schema: { type: 'string' } } },
          content: { 'application/json': { schema: { $ref: REF('Error') }, example: ERROR_EXAMPLES.unauthenticated } },
        },
        TooManyRequests: {
          description: 'Rate limited: wait Retry-After seconds.',
          headers: {
            'retry-after': { $ref: '#/components/headers/RetryAfter' },
            'ratelimit-limit': { $ref: '#/components/headers/RateLimitLimit' },
            'ratelimit-remaining': { $ref: '#/components/headers/RateLimitRemaining' },
            'ratelimit-reset': { $ref: '#/components/headers/RateLimitReset' },
          },
          content: { 'application/json': { schema: { $ref: REF('Error') }, example: ERROR_EXAMPLES.rateLimited } },
        },
      },
      securitySchemes: {
        bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'An access token from POST /v1/auth/login, sent as "Authorization: Bearer <token>".' },
      },
    },
  };
}

function accessNote(route: Route): string {
  switch (route.access) {
    case 'public':
      return 'Access: public. A token is optional; one that is sent must be valid.';
    case 'admin':
      return 'Access: admin. Needs a valid token with the admin role (the service checks the role).';
    default:
      return 'Access: authenticated. Needs a valid token; the service checks which records the caller may see.';
  }
}

function pathParameters(route: Route, schemas: SchemaBuilder, comments: Comments): JsonSchema[] {
  return route.template.variables.map((variable, i) => {
    const leaf = route.pathFields[i][route.pathFields[i].length - 1];
    const pattern = variable.pattern === '*' ? '' : ` The value has the form \`${variable.pattern}\`${variable.multiSegment ? ' and may contain "/"' : ''}.`;
    return {
      name: variable.fieldPath.join('.'),
      in: 'path',
      required: true,
      description: `${comments.of(leaf) ?? ''}${pattern}`.trim() || undefined,
      schema: schemas.field(leaf),
      // Swagger UI fills "Try it out" with a parameter's example.
      example: schemas.field(leaf)['example'],
    };
  });
}

function queryParameters(route: Route, schemas: SchemaBuilder, comments: Comments): JsonSchema[] {
  if (route.body === '*') return [];
  const bound = new Set(route.pathFields.map((chain) => chain.map((f) => f.name).join('.')));
  const out: JsonSchema[] = [];
  const visit = (message: DescMessage, prefix: string, depth: number, seen: Set<string>) => {
    for (const field of message.fields) {
      const name = prefix + field.name;
      if (bound.has(name) || (prefix === '' && field === route.bodyField) || field.fieldKind === 'map') continue;
      const wkt = field.message !== undefined && field.message.typeName.startsWith('google.protobuf.');
      if (field.fieldKind === 'message' && !wkt) {
        if (depth < 2 && !seen.has(field.message.typeName)) visit(field.message, `${name}.`, depth + 1, new Set([...seen, field.message.typeName]));
        continue;
      }
      if (field.fieldKind === 'list' && field.message !== undefined && !wkt) continue;
      if (wkt && !SchemaBuilder.scalarJson(field.message!.typeName)) continue;
      const schema = schemas.field(field);
      out.push({
        name,
        in: 'query',
        // A field the contract requires (field_behavior REQUIRED) is a required parameter: Swagger UI asks for it.
        required: prefix === '' && schemas.behaviors(field).includes(FIELD_BEHAVIOR.REQUIRED),
        description: comments.of(field),
        schema,
        example: schema['example'],
        ...(field.fieldKind === 'list' ? { style: 'form', explode: true } : {}),
      });
    }
  };
  visit(route.input, '', 0, new Set([route.input.typeName]));
  return out;
}

function requestBody(route: Route, schemas: SchemaBuilder): JsonSchema | undefined {
  if (route.body === '') return undefined;
  let schema: JsonSchema;
  let required: boolean;
  if (route.body === '*') {
    const topLevel = new Set(route.pathFields.filter((c) => c.length === 1).map((c) => c[0].name));
    schema = topLevel.size === 0 ? { $ref: REF(schemas.message(route.input)) } : schemas.messageWithout(route.input, topLevel);
    required = route.input.fields.some((f) => schemas.behaviors(f).includes(FIELD_BEHAVIOR.REQUIRED) && !topLevel.has(f.name));
  } else {
    const field = route.bodyField!;
    schema = schemas.field(field);
    required = schemas.behaviors(field).includes(FIELD_BEHAVIOR.REQUIRED);
  }
  return { required, content: { 'application/json': { schema } } };
}

function responses(route: Route, schemas: SchemaBuilder): JsonSchema {
  const schema: JsonSchema = route.responseBodyField ? schemas.field(route.responseBodyField) : { $ref: REF(schemas.message(route.output)) };
  const ok: JsonSchema = route.streaming
    ? {
        description: 'A stream of messages: server-sent events by default (each `data:` line one message; an `error` event ends a failed stream), or newline-delimited JSON with `Accept: application/x-ndjson` (each line {"result": message} or a final {"error": ...}).',
        headers: { 'x-request-id': { $ref: '#/components/headers/RequestId' } },
        content: {
          'text/event-stream': { schema: { type: 'string' }, 'x-event-schema': schema },
          'application/x-ndjson': { schema: { type: 'object', properties: { result: schema, error: { $ref: REF('Error') } } } },
        },
      }
    : { description: 'OK', headers: { 'x-request-id': { $ref: '#/components/headers/RequestId' } }, content: { 'application/json': { schema } } };
  const out: JsonSchema = { '200': ok, '429': { $ref: '#/components/responses/TooManyRequests' }, default: { $ref: '#/components/responses/Error' } };
  if (route.access !== 'public') out['401'] = { $ref: '#/components/responses/Unauthenticated' };
  return out;
}

/** errorExample is an error body as the gateway writes it, for the documents' examples. */
function errorExample(code: number, status: string, message: string, reason: string, more: JsonSchema[] = []): JsonSchema {
  const info = { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason, domain: 'shop.example' };
  const request = { '@type': 'type.googleapis.com/google.rpc.RequestInfo', requestId: '7f3c9e1a-2b4d-4c6e-8f10-123456789abc' };
  return { error: { code, status, message, details: [info, ...more, request] } };
}

/** ERROR_EXAMPLES are what the docs show for failures (Swagger UI would otherwise make up {"code": 0, "status": "OK"}). */
const ERROR_EXAMPLES = {
  invalid: errorExample(400, 'INVALID_ARGUMENT', 'page_size: value must be less than or equal to 100', 'VALIDATION_FAILED', [
    { '@type': 'type.googleapis.com/google.rpc.BadRequest', fieldViolations: [{ field: 'page_size', description: 'value must be less than or equal to 100' }] },
  ]),
  unauthenticated: errorExample(401, 'UNAUTHENTICATED', 'a valid bearer token is required', 'UNAUTHENTICATED'),
  rateLimited: errorExample(429, 'RESOURCE_EXHAUSTED', 'too many requests from this address', 'RATE_LIMITED', [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '1s' }]),
};

function errorSchemas(): Record<string, JsonSchema> {
  return {
    Error: {
      type: 'object',
      description: 'Every error the gateway answers: the google.rpc.Status of the failed call in JSON (AIP-193).',
      required: ['error'],
      properties: {
        error: {
          type: 'object',
          required: ['code', 'status', 'message'],
          properties: {
            code: { type: 'integer', description: 'The HTTP status.' },
            status: { type: 'string', enum: CODE_NAMES, description: 'The gRPC status code name.' },
            message: { type: 'string', description: 'What went wrong, for people. Branch on status and the ErrorInfo reason, never on this text.' },
            details: {
              type: 'array',
              description: 'google.rpc details: ErrorInfo (reason, domain "shop.example"), BadRequest (fieldViolations), PreconditionFailure, ResourceInfo, RetryInfo, RequestInfo.',
              items: { $ref: REF('ErrorDetail') },
            },
          },
        },
      },
    },
    ErrorDetail: {
      type: 'object',
      required: ['@type'],
      properties: { '@type': { type: 'string', description: 'The detail type, for example "type.googleapis.com/google.rpc.BadRequest".' } },
      additionalProperties: true,
    },
  };
}

function addOpsPaths(paths: Record<string, Record<string, JsonSchema>>): void {
  const ops = (summary: string, description: string, content: JsonSchema, extra: JsonSchema = {}): Record<string, JsonSchema> => ({
    get: { operationId: `Operations_${summary.replace(/\W+/g, '')}`, tags: ['Operations'], summary, description, security: [], responses: { '200': { description: 'OK', content }, ...extra } },
  });
  const report = { type: 'object', properties: { status: { type: 'string' }, services: { type: 'object', additionalProperties: { type: 'string' } } } };
  paths['/healthz'] = ops('Liveness', 'Answers 200 while the process serves requests.', { 'application/json': { schema: report } });
  paths['/readyz'] = ops('Readiness', 'Answers 200 when every backend service reports SERVING over grpc.health.v1, 503 otherwise or while shutting down.', { 'application/json': { schema: report } }, {
    '503': { description: 'Not ready', content: { 'application/json': { schema: report } } },
  });
  paths['/metrics'] = ops('Metrics', 'Prometheus metrics in text format.', { 'text/plain': { schema: { type: 'string' } } });
  paths['/openapi.json'] = ops('OpenAPI', 'This document.', { 'application/json': { schema: { type: 'object' } } });
  paths['/docs'] = ops('Docs', 'Interactive documentation of this API.', { 'text/html': { schema: { type: 'string' } } });
}

/** SchemaBuilder collects component schemas for messages and enums as fields refer to them. */
class SchemaBuilder {
  private readonly schemas: Record<string, JsonSchema> = {};

  constructor(
    private readonly comments: Comments,
    private readonly behaviorExt: DescExtension | undefined,
    private readonly rules: ReturnType<typeof createRuleKeywords>,
  ) {}

  /** scalarJson tells whether a well-known type's JSON form is a string or scalar (fit for a query parameter). */
  static scalarJson(typeName: string): boolean {
    return typeName !== 'google.protobuf.Struct' && typeName !== 'google.protobuf.Value' && typeName !== 'google.protobuf.ListValue' && typeName !== 'google.protobuf.Any' && typeName !== 'google.protobuf.Empty';
  }

  all(): Record<string, JsonSchema> {
    return this.schemas;
  }

  behaviors(field: DescField): number[] {
    if (!this.behaviorExt || !hasOption(field, this.behaviorExt)) return [];
    return getOption(field, this.behaviorExt) as unknown as number[];
  }

  /** message registers a message's schema and returns its component name. */
  message(desc: DescMessage): string {
    const name = desc.typeName;
    if (this.schemas[name]) return name;
    const wkt = wellKnown(desc.typeName);
    if (wkt) {
      this.schemas[name] = wkt;
      return name;
    }
    const schema: JsonSchema = { type: 'object' };
    this.schemas[name] = schema;
    const description = this.comments.of(desc);
    if (description) schema['description'] = description;
    const { properties, required } = this.properties(desc, new Set());
    schema['properties'] = properties;
    if (required.length > 0) schema['required'] = required;
    return name;
  }

  /** messageWithout is an inline schema of a message minus some top-level fields (those a path already sets). */
  messageWithout(desc: DescMessage, excluded: ReadonlySet<string>): JsonSchema {
    const { properties, required } = this.properties(desc, excluded);
    const schema: JsonSchema = { type: 'object', properties };
    if (required.length > 0) schema['required'] = required;
    return schema;
  }

  private properties(desc: DescMessage, excluded: ReadonlySet<string>): { properties: JsonSchema; required: string[] } {
    const properties: JsonSchema = {};
    const required: string[] = [];
    for (const field of desc.fields) {
      if (excluded.has(field.name)) continue;
      const behaviors = this.behaviors(field);
      const schema = this.field(field);
      const notes: string[] = [];
      const comment = this.comments.of(field);
      if (comment) notes.push(comment);
      if (field.oneof) notes.push(`At most one of ${field.oneof.fields.map((f) => f.jsonName).join(', ')} is set.`);
      if (behaviors.includes(FIELD_BEHAVIOR.IMMUTABLE)) notes.push('Immutable: set on creation, never changed.');
      if (notes.length > 0) schema['description'] = notes.join('\n\n');
      if (behaviors.includes(FIELD_BEHAVIOR.OUTPUT_ONLY)) schema['readOnly'] = true;
      if (behaviors.includes(FIELD_BEHAVIOR.INPUT_ONLY)) schema['writeOnly'] = true;
      if (field.deprecated) schema['deprecated'] = true;
      if (behaviors.includes(FIELD_BEHAVIOR.REQUIRED)) required.push(field.jsonName);
      properties[field.jsonName] = schema;
    }
    return { properties, required };
  }

  /** field is the schema of a field's JSON value (for a query parameter, a list is its repeated values). */
  field(field: DescField): JsonSchema {
    switch (field.fieldKind) {
      case 'scalar':
        return withExample({ ...scalar(field.scalar), ...this.rules.field(field) }, this.rules.example(field));
      case 'enum':
        return { $ref: REF(this.enumSchema(field.enum)) };
      case 'message':
        return withExample({ $ref: REF(this.message(field.message)) }, this.rules.example(field));
      case 'list': {
        const items = field.listKind === 'scalar' ? { ...scalar(field.scalar), ...this.rules.items(field) } : field.listKind === 'enum' ? { $ref: REF(this.enumSchema(field.enum)) } : { $ref: REF(this.message(field.message)) };
        return withExample({ type: 'array', items, ...this.rules.field(field) }, this.rules.example(field));
      }
      case 'map': {
        const values = field.mapKind === 'scalar' ? scalar(field.scalar) : field.mapKind === 'enum' ? { $ref: REF(this.enumSchema(field.enum)) } : { $ref: REF(this.message(field.message)) };
        const keys = field.mapKey === ScalarType.STRING ? {} : field.mapKey === ScalarType.BOOL ? { propertyNames: { enum: ['true', 'false'] } } : { propertyNames: { pattern: '^-?[0-9]+$' } };
        return { type: 'object', additionalProperties: values, ...keys };
      }
    }
  }

  private enumSchema(desc: DescEnum): string {
    const name = desc.typeName;
    if (this.schemas[name]) return name;
    if (name === 'google.protobuf.NullValue') {
      this.schemas[name] = { type: 'null' };
      return name;
    }
    const lines = desc.values.map((v) => `- ${v.name}${this.comments.of(v) ? `: ${this.comments.of(v)!.replace(/\s+/g, ' ')}` : ''}`);
    const description = [this.comments.of(desc), lines.join('\n')].filter(Boolean).join('\n\n');
    this.schemas[name] = { type: 'string', enum: desc.values.map((v) => v.name), description };
    return name;
  }
}

function scalar(type: ScalarType): JsonSchema {
  switch (type) {
    case ScalarType.BOOL:
      return { type: 'boolean' };
    case ScalarType.STRING:
      return { type: 'string' };
    case ScalarType.BYTES:
      return { type: 'string', contentEncoding: 'base64' };
    case ScalarType.INT32:
    case ScalarType.SINT32:
    case ScalarType.SFIXED32:
      return { type: 'integer', format: 'int32' };
    case ScalarType.UINT32:
    case ScalarType.FIXED32:
      return { type: 'integer', format: 'uint32', minimum: 0 };
    case ScalarType.INT64:
    case ScalarType.SINT64:
    case ScalarType.SFIXED64:
      // Written as a string; a JSON number is accepted too, and minimum and maximum apply to it.
      return { type: ['string', 'integer'], format: 'int64', pattern: '^-?[0-9]+$' };
    case ScalarType.UINT64:
    case ScalarType.FIXED64:
      return { type: ['string', 'integer'], format: 'uint64', pattern: '^[0-9]+$' };
    case ScalarType.FLOAT:
      return { ...DOUBLE, format: 'float' };
    case ScalarType.DOUBLE:
      return { ...DOUBLE, format: 'double' };
  }
}

/** withExample adds a field's example (a value its rules accept), when it has one. */
function withExample(schema: JsonSchema, example: unknown): JsonSchema {
  return example === undefined ? schema : { ...schema, example };
}

function nullable(schema: JsonSchema): JsonSchema {
  if (typeof schema['type'] === 'string') return { ...schema, type: [schema['type'], 'null'] };
  return { oneOf: [schema, { type: 'null' }] };
}

function wellKnown(typeName: string): JsonSchema | undefined {
  switch (typeName) {
    case 'google.protobuf.Timestamp':
      return { type: 'string', format: 'date-time', description: 'An RFC 3339 time in UTC, for example "2024-05-01T12:00:00Z".' };
    case 'google.protobuf.Duration':
      return { type: 'string', pattern: '^-?[0-9]+(\\.[0-9]{1,9})?s$', description: 'Seconds with an "s" suffix, for example "1.5s".' };
    case 'google.protobuf.FieldMask':
      return { type: 'string', description: 'Comma-separated field paths, for example "displayName,price.amountMinor"; the proto names ("display_name") are accepted too.' };
    case 'google.protobuf.Struct':
      return { type: 'object', additionalProperties: true };
    case 'google.protobuf.Value':
      return { description: 'Any JSON value.' };
    case 'google.protobuf.ListValue':
      return { type: 'array', items: {} };
    case 'google.protobuf.Empty':
      return { type: 'object', properties: {} };
    case 'google.protobuf.Any':
      return { type: 'object', required: ['@type'], properties: { '@type': { type: 'string' } }, additionalProperties: true };
    case 'google.protobuf.DoubleValue':
      return nullable({ ...DOUBLE, format: 'double' });
    case 'google.protobuf.FloatValue':
      return nullable({ ...DOUBLE, format: 'float' });
    case 'google.protobuf.Int64Value':
      return nullable(scalar(ScalarType.INT64));
    case 'google.protobuf.UInt64Value':
      return nullable(scalar(ScalarType.UINT64));
    case 'google.protobuf.Int32Value':
      return nullable(scalar(ScalarType.INT32));
    case 'google.protobuf.UInt32Value':
      return nullable(scalar(ScalarType.UINT32));
    case 'google.protobuf.BoolValue':
      return nullable(scalar(ScalarType.BOOL));
    case 'google.protobuf.StringValue':
      return nullable(scalar(ScalarType.STRING));
    case 'google.protobuf.BytesValue':
      return nullable(scalar(ScalarType.BYTES));
    default:
      return undefined;
  }
}
