/**
 * "Try it out" on the docs page, for every operation: Swagger UI (in
 * headless Chromium) makes each operation's default parameters and body
 * from the OpenAPI document, and the test sends them through the gateway to
 * the real services. The contract's rules must accept every one of them:
 * no 400, no 5xx. What the services may answer for an example's data (an
 * unknown id: 404, a taken email: 409, a wrong password: 401) is fine.
 */
import { join } from 'node:path';
import { MESH_ADMIN, startRealMesh, type RealMesh } from './support/real-mesh';
import { http } from './support/http';
import { CHROMIUM, swaggerUiSamples, type OperationSample } from './support/swagger-samples';

let mesh: RealMesh;
let samples: Record<string, OperationSample> | undefined;

/** BUSINESS_400 are the operations whose example the contract accepts and the service refuses for its data, with why. */
const BUSINESS_400: Record<string, string> = {
  'POST /v1/users/me:changePassword': "current_password: an example cannot know the account's password (INVALID_ARGUMENT from the users service)",
  'DELETE /v1/users/me': "password: an example cannot know the account's password (INVALID_ARGUMENT from the users service)",
};

beforeAll(async () => {
  // The demo data, as `npm start` loads it: the examples name its products (MUG-001).
  const demo = { DEMO_DATA: join(__dirname, '..', '..', 'demo', 'shop.json') };
  mesh = await startRealMesh({ catalog: demo, inventory: demo });
  document = (await http(mesh.base, 'GET', '/openapi.json')).json;
  samples = await swaggerUiSamples(document);
  if (samples === undefined) console.warn(`${CHROMIUM} is not installed (scripts/install-system-deps.sh installs it): skipping the "Try it out" test`);
}, 180_000);

afterAll(async () => {
  await mesh?.stop();
});

let document: any;
const requiredQuery = (operation: string, name: string): boolean => {
  const [method, path] = operation.split(' ') as [string, string];
  return document.paths[path][method.toLowerCase()].parameters.some((p: any) => p.in === 'query' && p.name === name && p.required === true);
};

describe('"Try it out" on every operation', () => {
  it('sends defaults the contract accepts: no 400 and no 5xx, as the admin', async () => {
    if (samples === undefined) return;
    const login = await http(mesh.base, 'POST', '/v1/auth/login', { body: MESH_ADMIN });
    expect(login.status).toBe(200);
    const headers = { authorization: `Bearer ${login.json.tokens.accessToken}` };
    const operations = mesh.gateway.routes.length;
    expect(Object.keys(samples).length).toBeGreaterThanOrEqual(operations);
    const required = Object.entries(samples).flatMap(([operation, s]) => s.params.filter((p) => p.value === undefined && (p.in === 'path' || requiredQuery(operation, p.name))).map((p) => `${operation} ${p.name}`));
    // A parameter "Try it out" requires gets a value from the document.
    expect(required).toEqual([]);
    const refused: string[] = [];
    for (const [operation, sample] of Object.entries(samples)) {
      const [method, template] = operation.split(' ') as [string, string];
      const value = (name: string) => sample.params.find((p) => p.in === 'path' && p.name === name)?.value;
      const path = template.replace(/\{([^}]+)\}/g, (_, name: string) => encodeURIComponent(String(value(name) ?? '')));
      const query = new URLSearchParams();
      for (const p of sample.params.filter((p) => p.in === 'query' && p.value !== undefined)) {
        for (const v of Array.isArray(p.value) ? p.value : [p.value]) query.append(p.name, String(v));
      }
      const url = query.size > 0 ? `${path}?${query}` : path;
      // A watch is read until it ends or a second passes: its example names no order, so it answers at once.
      const res = await http(mesh.base, method, url, { headers: { ...headers, ...(template.endsWith(':watch') ? { accept: 'application/x-ndjson' } : {}) }, ...(sample.body === undefined ? {} : { body: sample.body }) });
      const businessOnly = res.status === 400 && BUSINESS_400[operation] !== undefined && res.json?.error?.details?.some((d: any) => d.fieldViolations?.some((v: any) => BUSINESS_400[operation]!.startsWith(`${v.field}:`)));
      if ((res.status === 400 && !businessOnly) || res.status >= 500) refused.push(`${operation} -> ${url} ${sample.body ?? ''}: ${res.status} ${res.text.slice(0, 300)}`);
    }
    expect(refused).toEqual([]);
  });
});
