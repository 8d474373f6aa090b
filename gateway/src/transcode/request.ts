import { fromJson, ScalarType, toBinary, type DescField, type DescMessage, type JsonObject, type JsonValue, type Registry } from '@bufbuild/protobuf';
import { protoCamelCase } from '@bufbuild/protobuf/reflect';
import { compileFastCheck, type ContractRules, type FastCheck } from '@shop/kit';
import { invalidArgument, type FieldViolation } from '../errors/gateway-error';
import type { Route } from '../routing/routes';
import { jsonDepthExceeds } from './json-depth';

/** RequestInput is what an HTTP request contributes to the request message. */
export interface RequestInput {
  /** values are the decoded path variable values, in the template's order. */
  values: readonly string[];
  /** query is the raw query string, without "?". */
  query: string;
  /** body is the request body as text, undefined when there is none. */
  body: string | undefined;
}

const IMPLICIT = 2;
const FIELD_MASK = 'google.protobuf.FieldMask';
/** Well-known types whose JSON form is a string or a scalar, so a query parameter can carry them. */
const SCALAR_JSON_TYPES: ReadonlySet<string> = new Set([
  'google.protobuf.Timestamp',
  'google.protobuf.Duration',
  FIELD_MASK,
  'google.protobuf.DoubleValue',
  'google.protobuf.FloatValue',
  'google.protobuf.Int64Value',
  'google.protobuf.UInt64Value',
  'google.protobuf.Int32Value',
  'google.protobuf.UInt32Value',
  'google.protobuf.BoolValue',
  'google.protobuf.StringValue',
  'google.protobuf.BytesValue',
]);

interface Plan {
  /** ruled: the request has buf.validate rules to check. */
  ruled: boolean;
  /** fast holds the field numbers when the request is only top-level string path variables. */
  fast: number[] | undefined;
  /** fastNames are those fields' names in a decoded request, for fastCheck. */
  fastNames: string[];
  /** fastCheck clears a fast-path request of a route with rules (see the kit's contract/fast-rules.ts); without it such a route always builds the message. */
  fastCheck: FastCheck | undefined;
  /** bound holds the dotted proto paths the path template sets. */
  bound: ReadonlySet<string>;
  /** maskField is the update_mask field a PATCH may leave out, to be inferred from the body. */
  maskField: DescField | undefined;
}

/**
 * RequestBuilder turns an HTTP request into the binary request message of
 * its route, by the google.api.http rules: path variables into their
 * (possibly nested) fields, the body into the whole message ("*") or one
 * field, and, unless the body is "*", query parameters into the fields left
 * (dotted names for nested fields, repeated keys for repeated fields). The
 * JSON goes through protobuf-es's canonical proto3 JSON parser, which
 * accepts lowerCamel and declared field names and rejects unknown fields.
 * FieldMasks are accepted in JSON form ("displayName,price"), in proto form
 * ("display_name,price") and as {"paths": [...]}; a PATCH whose body is a
 * field and that leaves update_mask out gets the mask of the fields the
 * body sets.
 */
export class RequestBuilder {
  private readonly plans = new WeakMap<Route, Plan>();
  private readonly maskHolders = new Map<string, boolean>();

  constructor(
    private readonly registry: Registry,
    private readonly maxJsonDepth: number,
    /** rules are the contract's buf.validate rules, checked here so an invalid request costs no upstream call. */
    private readonly rules: ContractRules,
  ) {}

  /** build returns the encoded request message or throws a 400 GatewayError. */
  build(route: Route, input: RequestInput): Uint8Array {
    const plan = this.plan(route);
    if (plan.fast !== undefined && input.query === '' && input.body === undefined && (!plan.ruled || this.clears(plan, input.values))) return encodeStrings(plan.fast, input.values);
    const json = this.toJson(route, plan, input);
    let message;
    try {
      message = fromJson(route.input, json, { registry: this.registry, ignoreUnknownFields: false });
    } catch (err) {
      const violation = locateJsonError(route.input, json, this.registry, []) ?? { field: '', description: describe(err) };
      throw invalidArgument(violation.field === '' ? violation.description : `${violation.field}: ${violation.description}`, violation.field === '' ? [] : [violation], err);
    }
    if (plan.ruled) {
      const violations = this.rules.check(route.input, message);
      if (violations.length > 0) throw invalidArgument(violations.map((v) => `${v.field}: ${v.description}`).join('; '), violations);
    }
    return toBinary(route.input, message);
  }

  private plan(route: Route): Plan {
    let plan = this.plans.get(route);
    if (plan) return plan;
    const ruled = this.rules.appliesTo(route.input);
    // A route whose request has rules takes the fast path only for a request the fast check clears; any other builds the message, to name what is wrong.
    const fastCheck = ruled ? compileFastCheck(this.registry, route.input) : undefined;
    const fastPossible =
      (!ruled || fastCheck !== undefined) && route.body === '' && route.pathFields.every((chain) => chain.length === 1 && chain[0].fieldKind === 'scalar' && chain[0].scalar === ScalarType.STRING && chain[0].presence === IMPLICIT);
    const mask = route.input.fields.find((f) => f.name === 'update_mask' && f.message?.typeName === FIELD_MASK);
    plan = {
      ruled,
      fast: fastPossible ? route.pathFields.map((chain) => chain[0].number) : undefined,
      fastNames: route.pathFields.map((chain) => chain[0].localName),
      fastCheck,
      bound: new Set(route.pathFields.map((chain) => chain.map((f) => f.name).join('.'))),
      maskField: route.httpMethod === 'PATCH' && route.bodyField?.fieldKind === 'message' ? mask : undefined,
    };
    this.plans.set(route, plan);
    return plan;
  }

  /** clears tells whether the fast check finds a path-only request valid: its path values set, every other field left at its zero value. */
  private clears(plan: Plan, values: readonly string[]): boolean {
    if (plan.fastCheck === undefined) return false;
    const request: Record<string, unknown> = {};
    plan.fastNames.forEach((name, i) => (request[name] = values[i]));
    return plan.fastCheck(request);
  }

  private toJson(route: Route, plan: Plan, input: RequestInput): JsonObject {
    let json: JsonObject = {};
    let bodyValue: JsonValue | undefined;
    if (route.body !== '') {
      bodyValue = this.parseBody(input.body);
      if (route.body === '*') {
        if (bodyValue !== undefined) {
          if (bodyValue === null || typeof bodyValue !== 'object' || Array.isArray(bodyValue)) throw invalidArgument('the request body must be a JSON object');
          json = bodyValue;
        }
      } else if (bodyValue !== undefined) {
        json[route.bodyField!.jsonName] = bodyValue;
      }
    }
    if (input.query !== '') {
      if (route.body === '*') throw invalidArgument('this route takes every field from the body: query parameters are not accepted');
      this.applyQuery(route, plan, json, input.query);
    }
    route.pathFields.forEach((chain, i) => {
      const leaf = chain[chain.length - 1];
      setField(json, chain, textToJson(leaf, input.values[i], chain.map((f) => f.name).join('.')), false);
    });
    if (plan.maskField && !hasKey(json, plan.maskField) && bodyValue !== null && typeof bodyValue === 'object' && !Array.isArray(bodyValue)) {
      json[plan.maskField.jsonName] = inferMask(route, bodyValue, plan.bound);
    }
    this.normalizeMasks(route.input, json);
    return json;
  }

  private parseBody(body: string | undefined): JsonValue | undefined {
    if (body === undefined || body.trim() === '') return undefined;
    if (jsonDepthExceeds(body, this.maxJsonDepth)) throw invalidArgument(`the request body nests deeper than ${this.maxJsonDepth} levels`);
    try {
      return JSON.parse(body) as JsonValue;
    } catch (err) {
      throw invalidArgument(`the request body is not valid JSON: ${(err as Error).message}`, [], err);
    }
  }

  private applyQuery(route: Route, plan: Plan, json: JsonObject, query: string): void {
    const seen = new Set<string>();
    for (const part of query.split('&')) {
      if (part === '') continue;
      const eq = part.indexOf('=');
      const name = decodeQueryComponent(eq < 0 ? part : part.slice(0, eq));
      const text = eq < 0 ? '' : decodeQueryComponent(part.slice(eq + 1));
      const chain = resolveQueryPath(route.input, name);
      if (typeof chain === 'string') throw invalidArgument(`query parameter ${JSON.stringify(name)}: ${chain}`, [{ field: name, description: chain }]);
      const protoPath = chain.map((f) => f.name).join('.');
      if (plan.bound.has(protoPath)) throw invalidArgument(`query parameter ${JSON.stringify(name)} is already set by the path`, [{ field: protoPath, description: 'set by the path' }]);
      if (route.bodyField !== undefined && chain[0] === route.bodyField) {
        throw invalidArgument(`query parameter ${JSON.stringify(name)} is part of the body`, [{ field: protoPath, description: 'part of the body' }]);
      }
      const leaf = chain[chain.length - 1];
      const repeated = leaf.fieldKind === 'list';
      if (!repeated) {
        if (seen.has(protoPath)) throw invalidArgument(`query parameter ${JSON.stringify(name)} is given more than once`, [{ field: protoPath, description: 'not a repeated field' }]);
        seen.add(protoPath);
      }
      setField(json, chain, textToJson(leaf, text, protoPath), repeated);
    }
  }

  private normalizeMasks(desc: DescMessage, json: JsonObject): void {
    if (!this.holdsMask(desc)) return;
    for (const field of desc.fields) {
      const key = field.jsonName in json ? field.jsonName : field.name in json ? field.name : undefined;
      if (key === undefined || field.message === undefined) continue;
      const value = json[key];
      if (field.message.typeName === FIELD_MASK) {
        if (field.fieldKind === 'message') json[key] = normalizeMask(value);
        else if (field.fieldKind === 'list' && Array.isArray(value)) json[key] = value.map(normalizeMask);
      } else if (field.fieldKind === 'message' && isObject(value)) {
        this.normalizeMasks(field.message, value);
      } else if (field.fieldKind === 'list' && Array.isArray(value)) {
        for (const item of value) if (isObject(item)) this.normalizeMasks(field.message, item);
      }
    }
  }

  /** holdsMask tells whether a message type has a FieldMask anywhere below it, so most bodies are not walked. */
  private holdsMask(desc: DescMessage, visiting = new Set<string>()): boolean {
    const known = this.maskHolders.get(desc.typeName);
    if (known !== undefined) return known;
    if (visiting.has(desc.typeName)) return false;
    visiting.add(desc.typeName);
    const result = desc.fields.some((f) => f.message !== undefined && f.fieldKind !== 'map' && (f.message.typeName === FIELD_MASK || this.holdsMask(f.message, visiting)));
    visiting.delete(desc.typeName);
    this.maskHolders.set(desc.typeName, result);
    return result;
  }
}

function isObject(value: unknown): value is JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function hasKey(json: JsonObject, field: DescField): boolean {
  return json[field.jsonName] !== undefined || json[field.name] !== undefined;
}

/** setField writes a value at a chain of fields, by JSON name; a path value replaces what the body had. */
function setField(json: JsonObject, chain: readonly DescField[], value: JsonValue, append: boolean): void {
  let current = json;
  for (let i = 0; i < chain.length - 1; i++) {
    const field = chain[i];
    const key = field.jsonName in current ? field.jsonName : field.name in current ? field.name : field.jsonName;
    let next = current[key];
    if (!isObject(next)) {
      next = {};
      current[key] = next;
    }
    current = next;
  }
  const leaf = chain[chain.length - 1];
  if (append) {
    const existing = current[leaf.jsonName];
    if (Array.isArray(existing)) existing.push(value);
    else current[leaf.jsonName] = [value];
    return;
  }
  if (leaf.name !== leaf.jsonName) delete current[leaf.name];
  current[leaf.jsonName] = value;
}

function resolveQueryPath(message: DescMessage, name: string): DescField[] | string {
  const chain: DescField[] = [];
  let current: DescMessage = message;
  const parts = name.split('.');
  for (const [i, part] of parts.entries()) {
    const field = current.fields.find((f) => f.name === part || f.jsonName === part);
    if (!field) return `${current.typeName} has no field ${JSON.stringify(part)}`;
    chain.push(field);
    const last = i === parts.length - 1;
    if (field.fieldKind === 'map') return 'map fields cannot be set from the query string';
    const wkt = field.message !== undefined && SCALAR_JSON_TYPES.has(field.message.typeName);
    if (last) {
      if (field.message !== undefined && !wkt) return `${field.name} is a message: set its fields, for example ${name}.${field.message.fields[0]?.name ?? 'field'}=...`;
      return chain;
    }
    if (field.fieldKind !== 'message' || wkt) return `${field.name} has no fields to set`;
    current = field.message;
  }
  return chain;
}

/** textToJson turns text from a path or query into the JSON value its field expects. */
function textToJson(field: DescField, text: string, where: string): JsonValue {
  if (field.enum !== undefined) return /^-?\d+$/.test(text) ? Number(text) : text;
  if (field.message !== undefined) {
    const typeName = field.message.typeName;
    if (typeName === FIELD_MASK) return normalizeMask(text);
    const inner = field.message.fields[0];
    if (typeName.endsWith('Value') && inner?.scalar !== undefined) return scalarFromText(inner.scalar, text, where);
    return text;
  }
  return scalarFromText(field.scalar!, text, where);
}

function scalarFromText(type: ScalarType, text: string, where: string): JsonValue {
  if (type !== ScalarType.BOOL) return text;
  if (text === 'true' || text === '1') return true;
  if (text === 'false' || text === '0') return false;
  throw invalidArgument(`${where}: expected true or false, got ${JSON.stringify(text)}`, [{ field: where, description: 'expected true or false' }]);
}

function normalizeMask(value: JsonValue): JsonValue {
  const paths = typeof value === 'string' ? (value === '' ? [] : value.split(',')) : isObject(value) && Array.isArray(value['paths']) ? value['paths'] : undefined;
  if (paths === undefined || !paths.every((p): p is string => typeof p === 'string')) return value;
  return paths.map((p) => p.trim().split('.').map((segment) => (segment.includes('_') ? protoCamelCase(segment) : segment)).join('.')).join(',');
}

function inferMask(route: Route, body: JsonObject, bound: ReadonlySet<string>): string {
  const message = route.bodyField!.message!;
  const prefix = `${route.bodyField!.name}.`;
  const paths: string[] = [];
  for (const key of Object.keys(body)) {
    const field = message.fields.find((f) => f.jsonName === key || f.name === key);
    if (!field || bound.has(prefix + field.name)) continue;
    paths.push(field.jsonName);
  }
  return paths.join(',');
}

function decodeQueryComponent(text: string): string {
  const plain = text.includes('+') ? text.replace(/\+/g, ' ') : text;
  if (!plain.includes('%')) return plain;
  try {
    return decodeURIComponent(plain);
  } catch {
    throw invalidArgument('the query string has malformed percent-encoding');
  }
}

function encodeStrings(numbers: readonly number[], values: readonly string[]): Uint8Array {
  let size = 0;
  const lengths = values.map((v) => Buffer.byteLength(v));
  numbers.forEach((n, i) => {
    if (lengths[i] > 0) size += varintSize(n << 3) + varintSize(lengths[i]) + lengths[i];
  });
  const out = Buffer.allocUnsafe(size);
  let pos = 0;
  numbers.forEach((n, i) => {
    if (lengths[i] === 0) return;
    pos = writeVarint(out, pos, (n << 3) | 2);
    pos = writeVarint(out, pos, lengths[i]);
    pos += out.write(values[i], pos, 'utf8');
  });
  return out;
}

function varintSize(value: number): number {
  let size = 1;
  while (value >= 0x80) {
    value = Math.floor(value / 128);
    size += 1;
  }
  return size;
}

function writeVarint(buf: Buffer, pos: number, value: number): number {
  while (value >= 0x80) {
    buf[pos++] = (value & 0x7f) | 0x80;
    value = Math.floor(value / 128);
  }
  buf[pos++] = value;
  return pos;
}

/** describe turns a protobuf-es JSON error into words for the caller, without the type-name preamble. */
function describe(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.replace(/^cannot decode (?:message|field|enum) [\w.]+ from JSON: /, '');
}

/**
 * locateJsonError finds the first field whose JSON protobuf-es refuses, by
 * parsing the fields one at a time. It runs only after a parse failed, to
 * name the field in the 400 (proto field names, "items[0].quantity").
 */
export function locateJsonError(desc: DescMessage, json: JsonValue, registry: Registry, path: string[]): FieldViolation | undefined {
  const here = path.join('.');
  if (!isObject(json)) {
    try {
      fromJson(desc, json, { registry });
      return undefined;
    } catch (err) {
      return { field: here, description: describe(err) };
    }
  }
  if (SCALAR_JSON_TYPES.has(desc.typeName) || desc.typeName.startsWith('google.protobuf.')) {
    try {
      fromJson(desc, json, { registry });
      return undefined;
    } catch (err) {
      return { field: here, description: describe(err) };
    }
  }
  for (const key of Object.keys(json)) {
    const field = desc.fields.find((f) => f.jsonName === key || f.name === key);
    const fieldPath = [...path, field?.name ?? key].join('.');
    if (!field) return { field: fieldPath, description: 'unknown field' };
    try {
      fromJson(desc, { [key]: json[key] }, { registry });
      continue;
    } catch (err) {
      const value = json[key];
      if (field.fieldKind === 'message' && isObject(value)) {
        const deeper = locateJsonError(field.message, value, registry, [...path, field.name]);
        if (deeper) return deeper;
      } else if (field.fieldKind === 'list' && field.message !== undefined && Array.isArray(value)) {
        for (const [i, item] of value.entries()) {
          const deeper = locateJsonError(field.message, item, registry, [...path, `${field.name}[${i}]`]);
          if (deeper) return deeper;
        }
      } else if (field.fieldKind === 'map' && field.message !== undefined && isObject(value)) {
        for (const [k, item] of Object.entries(value)) {
          const deeper = locateJsonError(field.message, item, registry, [...path, `${field.name}[${JSON.stringify(k)}]`]);
          if (deeper) return deeper;
        }
      }
      return { field: fieldPath, description: describe(err) };
    }
  }
  return undefined;
}
