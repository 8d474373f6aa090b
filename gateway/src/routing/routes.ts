import { METHODS } from 'node:http';
import { getOption, hasOption, type DescField, type DescMessage, type DescMethod } from '@bufbuild/protobuf';
import type { Access, Contract, MethodContract } from '@shop/kit';
import { parseTemplate, TemplateError, type PathTemplate } from './path-template';
import type { RoutableEntry } from './router';

/** Route is one HTTP binding of one RPC, with its field paths resolved against the request message. */
export interface Route extends RoutableEntry {
  /** id is unique per binding: "CatalogService_GetProduct", then "_1", "_2" for additional bindings. */
  id: string;
  rpc: MethodContract;
  /** httpMethod is upper case: GET, POST, PUT, PATCH, DELETE or a custom kind. */
  httpMethod: string;
  template: PathTemplate;
  /** body is "" (no body), "*" (the whole request) or a top-level request field name. */
  body: string;
  /** responseBody is "" (the whole response) or a top-level response field name. */
  responseBody: string;
  input: DescMessage;
  output: DescMessage;
  /** pathFields holds, per template variable, the chain of fields from the request message down to the bound one. */
  pathFields: DescField[][];
  bodyField: DescField | undefined;
  responseBodyField: DescField | undefined;
  access: Access;
  streaming: boolean;
  /** spanName names the route's server spans: "GET /v1/products/{product_id}". */
  spanName: string;
}

/** RouteConfigError lists every problem found in the contract's HTTP bindings; the gateway refuses to start with any. */
export class RouteConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`the contract's HTTP bindings have ${problems.length} ${problems.length === 1 ? 'problem' : 'problems'}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'RouteConfigError';
  }
}

interface HttpRuleLike {
  pattern: { case: string | undefined; value?: unknown };
  body: string;
  responseBody: string;
  additionalBindings: HttpRuleLike[];
}

const KNOWN_METHODS: ReadonlySet<string> = new Set(METHODS);

/**
 * readRoutes turns every google.api.http binding in the contract into a
 * Route: the primary binding and its additional_bindings, custom verbs
 * included. It checks what the gateway relies on and throws a
 * RouteConfigError listing every problem: internal RPCs must not be
 * annotated, client streaming is not served, path variables must name
 * singular scalar fields, body and response_body must name top-level fields.
 */
export function readRoutes(contract: Contract): Route[] {
  const httpExt = contract.registry.getExtension('google.api.http');
  if (!httpExt) throw new RouteConfigError(['the descriptor set does not define google.api.http']);
  const problems: string[] = [];
  const routes: Route[] = [];
  const seen = new Map<string, string>();
  for (const rpc of contract.methods.values()) {
    const desc: DescMethod = rpc.desc;
    if (!hasOption(desc, httpExt)) continue;
    const where = `${rpc.service}.${rpc.name}`;
    if (rpc.access === 'internal') {
      problems.push(`${where} is ACCESS_INTERNAL but has a google.api.http binding; internal RPCs are never exposed`);
      continue;
    }
    if (rpc.clientStreaming) {
      problems.push(`${where} streams requests from the client, which the gateway does not serve`);
      continue;
    }
    const rule = getOption(desc, httpExt) as unknown as HttpRuleLike;
    const bindings = [rule, ...rule.additionalBindings];
    bindings.forEach((binding, index) => {
      const route = toRoute(rpc, binding, index, (p) => problems.push(`${where}${index > 0 ? ` (additional binding ${index})` : ''}: ${p}`));
      if (!route) return;
      const key = `${route.httpMethod} ${shapeOf(route.template)}`;
      const other = seen.get(key);
      if (other) problems.push(`${where}: ${route.httpMethod} ${route.template.source} is the same route as ${other}`);
      else seen.set(key, `${route.httpMethod} ${route.template.source} (${where})`);
      routes.push(route);
    });
  }
  if (problems.length > 0) throw new RouteConfigError(problems);
  return routes;
}

function toRoute(rpc: MethodContract, rule: HttpRuleLike, index: number, problem: (text: string) => void): Route | undefined {
  const { case: kind, value } = rule.pattern;
  let httpMethod: string;
  let path: string;
  if (kind === 'get' || kind === 'put' || kind === 'post' || kind === 'delete' || kind === 'patch') {
    httpMethod = kind.toUpperCase();
    path = String(value);
  } else if (kind === 'custom') {
    const custom = value as { kind: string; path: string };
    httpMethod = custom.kind.toUpperCase();
    path = custom.path;
    if (!KNOWN_METHODS.has(httpMethod)) {
      problem(`custom method ${JSON.stringify(custom.kind)} is not an HTTP method Node.js accepts`);
      return undefined;
    }
  } else {
    problem('the binding has no pattern');
    return undefined;
  }
  if (rule.additionalBindings.length > 0 && index > 0) problem('additional_bindings must not nest');
  let template: PathTemplate;
  try {
    template = parseTemplate(path);
  } catch (err) {
    problem(err instanceof TemplateError ? err.message : String(err));
    return undefined;
  }
  const input = rpc.desc.input;
  const output = rpc.desc.output;
  const pathFields: DescField[][] = [];
  for (const variable of template.variables) {
    const chain = resolveFieldPath(input, variable.fieldPath);
    if (typeof chain === 'string') {
      problem(`path variable {${variable.fieldPath.join('.')}}: ${chain}`);
      return undefined;
    }
    const leaf = chain[chain.length - 1];
    if (leaf.fieldKind !== 'scalar' && leaf.fieldKind !== 'enum') {
      problem(`path variable {${variable.fieldPath.join('.')}} must name a singular scalar or enum field`);
      return undefined;
    }
    pathFields.push(chain);
  }
  let bodyField: DescField | undefined;
  if (rule.body !== '' && rule.body !== '*') {
    bodyField = input.fields.find((f) => f.name === rule.body);
    if (!bodyField) {
      problem(`body ${JSON.stringify(rule.body)} is not a field of ${input.typeName}`);
      return undefined;
    }
  }
  if (rule.body !== '' && (httpMethod === 'GET' || httpMethod === 'HEAD' || httpMethod === 'DELETE')) {
    problem(`${httpMethod} must not take a body`);
    return undefined;
  }
  let responseBodyField: DescField | undefined;
  if (rule.responseBody !== '') {
    responseBodyField = output.fields.find((f) => f.name === rule.responseBody);
    if (!responseBodyField) {
      problem(`response_body ${JSON.stringify(rule.responseBody)} is not a field of ${output.typeName}`);
      return undefined;
    }
  }
  const serviceName = rpc.service.slice(rpc.service.lastIndexOf('.') + 1);
  return {
    id: `${serviceName}_${rpc.name}${index > 0 ? `_${index}` : ''}`,
    rpc,
    httpMethod,
    template,
    body: rule.body,
    responseBody: rule.responseBody,
    input,
    output,
    pathFields,
    bodyField,
    responseBodyField,
    access: rpc.access,
    streaming: rpc.serverStreaming,
    spanName: `${httpMethod} ${template.source}`,
  };
}

/** resolveFieldPath follows proto field names from a message; it returns the chain of fields or a problem. */
export function resolveFieldPath(message: DescMessage, path: readonly string[]): DescField[] | string {
  const chain: DescField[] = [];
  let current: DescMessage | undefined = message;
  for (const [i, name] of path.entries()) {
    if (current === undefined) return `${path.slice(0, i).join('.')} is not a message`;
    const field: DescField | undefined = current.fields.find((f) => f.name === name);
    if (!field) return `${current.typeName} has no field ${name}`;
    chain.push(field);
    if (i < path.length - 1) {
      if (field.fieldKind !== 'message') return `${path.slice(0, i + 1).join('.')} is not a singular message field`;
      current = field.message;
    }
  }
  return chain;
}

/** shapeOf renders a template with its variables as bare wildcards, so two bindings that match the same requests compare equal. */
function shapeOf(template: PathTemplate): string {
  const parts = template.segments.map((s) => (s.kind === 'literal' ? s.value : s.kind === 'wildcard' ? '*' : '**'));
  return `/${parts.join('/')}${template.verb === undefined ? '' : `:${template.verb}`}`;
}
