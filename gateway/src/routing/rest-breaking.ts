import { getOption, hasOption, type DescExtension, type DescField, type DescMessage } from '@bufbuild/protobuf';
import type { Contract } from '@shop/kit';
import { readRoutes, type Route } from './routes';

/** RestBreak is one change of the HTTP surface that breaks an existing REST client. */
export interface RestBreak {
  /** route is the released route, "GET /v1/products/{product_id} (shop.catalog.v1.CatalogService.GetProduct)". */
  route: string;
  change: string;
}

/** FIELD_BEHAVIOR_REQUIRED is google.api.FieldBehavior.REQUIRED. */
const REQUIRED = 2;
/** ACCESS_RANK orders the access levels from the most open: a route may open up, never close. */
const ACCESS_RANK: Record<string, number> = { public: 0, authenticated: 1, admin: 2, internal: 3 };

/**
 * restBreakingChanges compares the HTTP surface the gateway serves from a
 * released contract with the one it serves from today's, and lists what
 * would break a REST client written against the release. buf breaking
 * guards the protobuf surface only; this guards what google.api.http adds:
 *
 * - a route (method and path, additional bindings included) that is gone,
 *   which covers a renamed path, another method, a dropped binding;
 * - a route that now calls another RPC, streams where it answered once (or
 *   the other way), binds its path variables to other fields, takes its
 *   body from another field (fields moving between path, query and body),
 *   answers another response_body, or needs more access (public to
 *   authenticated, authenticated to admin);
 * - the JSON of its request and response messages, all the way down: a
 *   field whose JSON name changed or that is gone, and a request field
 *   that became REQUIRED.
 *
 * Additions pass: new routes, new fields, a route opening up.
 */
export function restBreakingChanges(released: Contract, current: Contract): RestBreak[] {
  const before = readRoutes(released);
  const after = readRoutes(current);
  const behaviorBefore = released.registry.getExtension('google.api.field_behavior') as DescExtension | undefined;
  const behaviorAfter = current.registry.getExtension('google.api.field_behavior') as DescExtension | undefined;
  const byShape = new Map(after.map((r) => [shapeKey(r), r]));
  const breaks: RestBreak[] = [];

  for (const old of before) {
    const route = `${old.httpMethod} ${old.template.source} (${old.rpc.service}.${old.rpc.name})`;
    const add = (change: string) => breaks.push({ route, change });
    const now = byShape.get(shapeKey(old));
    if (now === undefined) {
      const moved = after.filter((r) => r.rpc.path === old.rpc.path).map((r) => `${r.httpMethod} ${r.template.source}`);
      add(`the route is gone${moved.length > 0 ? `; the RPC is now served at ${moved.join(', ')}` : ' (no route serves the RPC now)'}`);
      continue;
    }
    if (now.rpc.path !== old.rpc.path) add(`it now calls ${now.rpc.service}.${now.rpc.name}`);
    if (now.streaming !== old.streaming) add(now.streaming ? 'it now streams its answer (server-sent events) instead of one JSON body' : 'it now answers one JSON body instead of a stream');
    const pathBefore = old.pathFields.map(fieldPath);
    const pathAfter = now.pathFields.map(fieldPath);
    pathBefore.forEach((field, i) => {
      if (pathAfter[i] !== field) add(`path variable ${i + 1} now binds ${pathAfter[i] ?? 'nothing'} instead of ${field}`);
    });
    if (now.body !== old.body) add(`the request body is now ${bodyText(now.body)} instead of ${bodyText(old.body)} (fields move between body and query)`);
    if (now.responseBody !== old.responseBody) add(`the response body is now ${now.responseBody === '' ? 'the whole response' : `field ${now.responseBody}`} instead of ${old.responseBody === '' ? 'the whole response' : `field ${old.responseBody}`}`);
    if ((ACCESS_RANK[now.access] ?? 3) > (ACCESS_RANK[old.access] ?? 3)) add(`it now needs ${now.access} access instead of ${old.access}`);
    const seen = new Set<string>();
    compareJson(old.input, now.input, 'request', true, seen, add, behaviorBefore, behaviorAfter);
    compareJson(old.output, now.output, 'response', false, seen, add, behaviorBefore, behaviorAfter);
  }
  return breaks;
}

/** shapeKey identifies a route by what requests it matches: method and path with bare variables. */
function shapeKey(route: Route): string {
  return `${route.httpMethod} ${route.template.source.replace(/\{[^}]*\}/g, '{}')}`;
}

function fieldPath(chain: readonly DescField[]): string {
  return chain.map((f) => f.name).join('.');
}

function bodyText(body: string): string {
  return body === '' ? 'none' : body === '*' ? 'the whole request' : `field ${body}`;
}

/**
 * compareJson walks a message's fields by number: a field gone, or sent
 * under another JSON name, breaks the clients that read or write it; in a
 * request, a field that became REQUIRED breaks the clients that leave it
 * out. Each message pair is compared once per route.
 */
function compareJson(
  before: DescMessage,
  after: DescMessage,
  where: string,
  request: boolean,
  seen: Set<string>,
  add: (change: string) => void,
  behaviorBefore: DescExtension | undefined,
  behaviorAfter: DescExtension | undefined,
): void {
  const key = `${where}:${before.typeName}>${after.typeName}`;
  if (seen.has(key) || before.typeName.startsWith('google.protobuf.')) return;
  seen.add(key);
  for (const field of before.fields) {
    const now = after.fields.find((f) => f.number === field.number);
    const name = `${where} field ${before.typeName}.${field.name}`;
    if (now === undefined) {
      add(`${name} ("${field.jsonName}" in JSON) is gone`);
      continue;
    }
    if (now.jsonName !== field.jsonName) add(`${name} is now "${now.jsonName}" in JSON instead of "${field.jsonName}"`);
    if (request && isRequired(now, behaviorAfter) && !isRequired(field, behaviorBefore)) add(`${name} is now REQUIRED`);
    if (field.message !== undefined && now.message !== undefined) {
      compareJson(field.message, now.message, where, request, seen, add, behaviorBefore, behaviorAfter);
    }
  }
}

function isRequired(field: DescField, behavior: DescExtension | undefined): boolean {
  if (behavior === undefined || !hasOption(field, behavior)) return false;
  return (getOption(field, behavior) as number[]).includes(REQUIRED);
}
