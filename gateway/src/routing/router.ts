import type { PathTemplate } from './path-template';

/** RoutableEntry is what the router needs from a route: its method and parsed template. */
export interface RoutableEntry {
  httpMethod: string;
  template: PathTemplate;
}

/** RouteMatch is a request matched to a route, with each variable's value keyed by its field path. */
export interface RouteMatch<R> {
  route: R;
  /** values holds one decoded value per template variable, in the order of template.variables. */
  values: string[];
}

/** MatchResult is a match, a known path with the wrong method (allowed methods listed), or nothing. */
export type MatchResult<R> = { kind: 'match'; match: RouteMatch<R> } | { kind: 'method-not-allowed'; allowed: string[] } | { kind: 'not-found' };

/** PathError is a request path that cannot be decoded (bad percent-encoding). */
export class PathError extends Error {}

interface Node<R> {
  literal: Map<string, Node<R>>;
  wildcard: Node<R> | undefined;
  /** routes whose template ends here, with their verb ('' for none). */
  routes: Array<{ verb: string; entry: R }>;
  /** routes whose template's last segment `**` starts here. */
  deep: Array<{ verb: string; entry: R }>;
}

function node<R>(): Node<R> {
  return { literal: new Map(), wildcard: undefined, routes: [], deep: [] };
}

/**
 * Router matches request paths against the routes' templates, compiled into
 * a tree of segments at start-up. At each segment a literal is preferred to
 * `*` and `*` to `**`, so `/v1/users/me` beats `/v1/users/{user_id}`. A
 * final segment "x:verb" is first tried as the verb of a template and then
 * as a plain value, so `/v1/stock/A:B` still reaches `/v1/stock/{sku}`.
 */
export class Router<R extends RoutableEntry> {
  private readonly root: Node<R> = node();
  private readonly routes: R[] = [];

  constructor(routes: readonly R[]) {
    for (const route of routes) this.add(route);
  }

  /** all lists the routes in the order they were added. */
  all(): readonly R[] {
    return this.routes;
  }

  private add(route: R): void {
    let current = this.root;
    const { segments, verb } = route.template;
    const entry = { verb: verb ?? '', entry: route };
    for (const segment of segments) {
      if (segment.kind === 'deep') {
        current.deep.push(entry);
        this.routes.push(route);
        return;
      }
      if (segment.kind === 'literal') {
        let next = current.literal.get(segment.value);
        if (next === undefined) {
          next = node();
          current.literal.set(segment.value, next);
        }
        current = next;
      } else {
        current.wildcard ??= node();
        current = current.wildcard;
      }
    }
    current.routes.push(entry);
    this.routes.push(route);
  }

  /** match finds the route for a method and a raw request path (without the query string). */
  match(method: string, rawPath: string): MatchResult<R> {
    if (rawPath.length === 0 || rawPath.charCodeAt(0) !== SLASH) return { kind: 'not-found' };
    const raw = rawPath.slice(1).split('/');
    // Most paths have nothing to decode: then the decoded segments are the raw ones.
    const encoded = rawPath.includes('%');
    const decoded = encoded ? raw.map(decodeSegment) : raw;
    const allowed: Allowed = { methods: undefined };
    const last = raw.length - 1;
    const colon = raw[last].lastIndexOf(':');
    if (colon > 0) {
      // Try "name:verb" as a verb first.
      const verb = decodeSegment(raw[last].slice(colon + 1));
      const rawWithoutVerb = raw.slice();
      rawWithoutVerb[last] = raw[last].slice(0, colon);
      const decodedWithoutVerb = encoded ? decoded.slice() : rawWithoutVerb;
      if (encoded) decodedWithoutVerb[last] = decodeSegment(rawWithoutVerb[last]);
      const found = this.find(method, rawWithoutVerb, decodedWithoutVerb, verb, allowed);
      if (found) return { kind: 'match', match: found };
    }
    const found = this.find(method, raw, decoded, '', allowed);
    if (found) return { kind: 'match', match: found };
    return allowed.methods !== undefined ? { kind: 'method-not-allowed', allowed: [...allowed.methods].sort() } : { kind: 'not-found' };
  }

  private find(method: string, raw: string[], decoded: string[], verb: string, allowed: Allowed): RouteMatch<R> | undefined {
    const hit = this.walk(this.root, 0, decoded, verb, method, allowed);
    return hit === undefined ? undefined : { route: hit, values: extract(hit.template, raw, decoded) };
  }

  private walk(current: Node<R>, i: number, segments: string[], verb: string, method: string, allowed: Allowed): R | undefined {
    if (i === segments.length) {
      if (current.routes.length > 0) {
        const hit = pick(current.routes, verb, method, allowed);
        if (hit) return hit;
      }
    } else {
      const literal = current.literal.size > 0 ? current.literal.get(segments[i]) : undefined;
      if (literal) {
        const hit = this.walk(literal, i + 1, segments, verb, method, allowed);
        if (hit) return hit;
      }
      // `*` takes one segment, never an empty one: "/v1/products/" names no product.
      if (current.wildcard && segments[i] !== '') {
        const hit = this.walk(current.wildcard, i + 1, segments, verb, method, allowed);
        if (hit) return hit;
      }
    }
    // `**` takes whatever is left, zero segments included.
    return current.deep.length > 0 ? pick(current.deep, verb, method, allowed) : undefined;
  }
}

const SLASH = 0x2f;

/** Allowed collects the methods of routes that match the path but not the method; the set is made only when needed. */
interface Allowed {
  methods: Set<string> | undefined;
}

function pick<R extends RoutableEntry>(entries: Array<{ verb: string; entry: R }>, verb: string, method: string, allowed: Allowed): R | undefined {
  for (const e of entries) {
    if (e.verb !== verb) continue;
    if (e.entry.httpMethod === method || (method === 'HEAD' && e.entry.httpMethod === 'GET')) return e.entry;
    const methods = (allowed.methods ??= new Set());
    methods.add(e.entry.httpMethod);
    if (e.entry.httpMethod === 'GET') methods.add('HEAD');
  }
  return undefined;
}

function extract(template: PathTemplate, raw: string[], decoded: string[]): string[] {
  return template.variables.map((v) => {
    const end = v.end === -1 ? raw.length : v.end;
    if (!v.multiSegment) return decoded[v.start];
    // Multi-segment values keep "%2F" encoded, so a slash inside a segment
    // stays distinguishable from a separator (http.proto, "Path template syntax").
    return raw
      .slice(v.start, end)
      .map((segment) => segment.split(/%2F/i).map(decodeSegment).join('%2F'))
      .join('/');
  });
}

function decodeSegment(segment: string): string {
  if (!segment.includes('%')) return segment;
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new PathError('the request path has malformed percent-encoding');
  }
}
