import { officialOpenApi31Problems } from './openapi-schema';

/**
 * checkOpenApi31 checks the rules of OpenAPI 3.1 a generator can get wrong:
 * the document's required fields, path templating (every {param} declared
 * as a required path parameter and back), unique operationIds, parameter
 * locations, response keys, that every $ref resolves and every security
 * requirement names a scheme, and that schemas use JSON Schema 2020-12
 * types; and the document against the official OpenAPI 3.1 JSON Schema,
 * Schema Objects against the 3.1 dialect (`officialOpenApi31Problems`).
 * The official schema cannot see the first kind: a path template naming a
 * parameter nobody declares is valid JSON. It returns the problems found
 * (empty when valid).
 */
export function checkOpenApi31(doc: any): string[] {
  const problems: string[] = [];
  const fail = (where: string, problem: string) => problems.push(`${where}: ${problem}`);
  if (typeof doc.openapi !== 'string' || !/^3\.1\.\d+$/.test(doc.openapi)) fail('openapi', 'must be 3.1.x');
  if (typeof doc.info?.title !== 'string' || typeof doc.info?.version !== 'string') fail('info', 'needs title and version');
  if (typeof doc.paths !== 'object') fail('paths', 'missing');
  const schemes = new Set(Object.keys(doc.components?.securitySchemes ?? {}));
  const operationIds = new Set<string>();
  const methods = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

  for (const [path, item] of Object.entries<any>(doc.paths ?? {})) {
    if (!path.startsWith('/')) fail(path, 'paths must start with "/"');
    const templated = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
    for (const [key, op] of Object.entries<any>(item)) {
      const where = `${key.toUpperCase()} ${path}`;
      if (!methods.includes(key)) {
        // OpenAPI has no field for other methods; a custom one must be an x- extension.
        if (!key.startsWith('x-') && key !== 'parameters' && key !== 'summary' && key !== 'description' && key !== 'servers') fail(where, `"${key}" is not an HTTP method field of a path item`);
        continue;
      }
      if (typeof op.operationId === 'string') {
        if (operationIds.has(op.operationId)) fail(where, `duplicate operationId ${op.operationId}`);
        operationIds.add(op.operationId);
      }
      if (!op.responses || Object.keys(op.responses).length === 0) fail(where, 'no responses');
      for (const code of Object.keys(op.responses ?? {})) if (!/^(default|[1-5](\d\d|XX))$/.test(code)) fail(where, `bad response key ${code}`);
      const params = (op.parameters ?? []).map((p: any) => resolve(doc, p));
      const seen = new Set<string>();
      for (const p of params) {
        if (!p || typeof p.name !== 'string' || !['query', 'header', 'path', 'cookie'].includes(p.in)) {
          fail(where, `invalid parameter ${JSON.stringify(p)}`);
          continue;
        }
        const id = `${p.in}:${p.name}`;
        if (seen.has(id)) fail(where, `duplicate parameter ${id}`);
        seen.add(id);
        if (p.in === 'path') {
          if (p.required !== true) fail(where, `path parameter ${p.name} must be required`);
          if (!templated.includes(p.name)) fail(where, `path parameter ${p.name} is not in the path`);
        }
        if (p.schema === undefined && p.content === undefined) fail(where, `parameter ${p.name} has no schema`);
      }
      for (const name of templated) if (!params.some((p: any) => p?.in === 'path' && p.name === name)) fail(where, `{${name}} has no path parameter`);
      if (op.requestBody && !resolve(doc, op.requestBody)?.content) fail(where, 'requestBody without content');
      for (const requirement of op.security ?? []) for (const name of Object.keys(requirement)) if (!schemes.has(name)) fail(where, `unknown security scheme ${name}`);
    }
  }
  walk(doc, '#', (value, pointer) => {
    if (typeof value.$ref === 'string' && resolve(doc, value) === undefined) fail(pointer, `unresolved $ref ${value.$ref}`);
    if ('type' in value && pointer.includes('schema')) {
      const types = Array.isArray(value.type) ? value.type : [value.type];
      for (const t of types) if (!['string', 'number', 'integer', 'boolean', 'object', 'array', 'null'].includes(t)) fail(pointer, `invalid JSON Schema type ${JSON.stringify(t)}`);
    }
  });
  problems.push(...officialOpenApi31Problems(doc).map((problem) => `official OpenAPI 3.1 schema: ${problem}`));
  return problems;
}

function resolve(doc: any, value: any): any {
  if (value === null || typeof value !== 'object' || typeof value.$ref !== 'string') return value;
  if (!value.$ref.startsWith('#/')) return undefined;
  let current = doc;
  for (const part of value.$ref.slice(2).split('/')) {
    current = current?.[part.replace(/~1/g, '/').replace(/~0/g, '~')];
    if (current === undefined) return undefined;
  }
  return current;
}

function walk(value: any, pointer: string, visit: (value: any, pointer: string) => void): void {
  if (value === null || typeof value !== 'object') return;
  if (!Array.isArray(value)) visit(value, pointer);
  for (const [key, child] of Object.entries(value)) walk(child, `${pointer}/${key}`, visit);
}
