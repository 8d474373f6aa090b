/**
 * A contract-driven fuzz of every public method, over gRPC to the services
 * and as REST through the gateway, against the real services: requests
 * generated from the descriptor set (support/fuzz-cases.ts: values at,
 * inside and past every rule, NUL and control characters in every string,
 * int64 extremes). Whatever a client sends, the answer is never INTERNAL,
 * UNKNOWN or a 5xx, and every INVALID_ARGUMENT (400) names its fields.
 * Bounded: at most CASES_PER_METHOD requests a method (a seeded sample when
 * there are more) and BUDGET_MS a surface.
 */
import { join } from 'node:path';
import { toBinary, toJson, type JsonObject, type JsonValue, type Message } from '@bufbuild/protobuf';
import { Client, credentials, Metadata, status as Code, type ServiceError } from '@grpc/grpc-js';
import { sharedContract, type MethodContract } from '@shop/kit';
import { decodeErrorDetails } from '@shop/sdk/lib/errors';
import { mulberry32 } from '../../test/support/prng';
import { openApiPath } from '../src/routing/path-template';
import type { Route } from '../src/routing/routes';
import { createFuzzCases, type FuzzCase } from './support/fuzz-cases';
import { http } from './support/http';
import { MESH_ADMIN, startRealMesh, type RealMesh, type ServiceName } from './support/real-mesh';

const CASES_PER_METHOD = 400;
const BUDGET_MS = 120_000;
const SEED = 15;
/** FAULTS are the gRPC codes that say the server, not the request, went wrong. */
const FAULTS: ReadonlySet<number> = new Set([Code.INTERNAL, Code.UNKNOWN, Code.DATA_LOSS, Code.UNIMPLEMENTED, Code.UNAVAILABLE, Code.DEADLINE_EXCEEDED]);

const contract = sharedContract();
const fuzz = createFuzzCases(contract.registry);
const methods = [...contract.methods.values()].filter((m) => m.service.startsWith('shop.') && m.access !== 'internal' && !m.clientStreaming);

let mesh: RealMesh;
let token: string;

beforeAll(async () => {
  const demo = { DEMO_DATA: join(__dirname, '..', '..', 'demo', 'shop.json') };
  mesh = await startRealMesh({ catalog: demo, inventory: demo });
  const login = await http(mesh.base, 'POST', '/v1/auth/login', { body: MESH_ADMIN });
  token = login.json.tokens.accessToken;
}, 180_000);

afterAll(async () => {
  await mesh?.stop();
});

/** KEYS are the fields that make a call idempotent: each case gets a fresh one, so it is a new request and not a replay refused for its other content. */
const KEYS = ['idempotency_key', 'request_id'];
let fresh = 0;

/** casesOf returns a method's cases, a seeded sample of CASES_PER_METHOD when there are more (the base request always). */
function casesOf(method: MethodContract): FuzzCase[] {
  const all = fuzz(method.desc.input);
  for (const c of all) {
    for (const key of method.desc.input.fields.filter((f) => KEYS.includes(f.name) && c.field !== f.name)) {
      (c.message as unknown as Record<string, unknown>)[key.localName] = `fuzz-${SEED}-${(fresh += 1)}-${Date.now().toString(36)}`;
    }
  }
  if (all.length <= CASES_PER_METHOD) return all;
  const random = mulberry32(SEED);
  const rest = all.slice(1);
  for (let i = rest.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [rest[i], rest[j]] = [rest[j]!, rest[i]!];
  }
  return [all[0]!, ...rest.slice(0, CASES_PER_METHOD - 1)];
}

const describeCase = (method: MethodContract, c: FuzzCase) => `${method.name} ${c.field || '(base)'} = ${c.note}`;

/** unnamed tells whether violations fail to name their fields; a capped list's last entry ("and 7 more violations") names none by design. */
const unnamed = (violations: Array<{ field: string; description: string }> | undefined): boolean =>
  violations === undefined || violations.length === 0 || violations.some((v, i) => v.field === '' && !(i === violations.length - 1 && /^and \d+ more violation/.test(v.description)));

/** grpcCall sends one request as raw bytes and returns the status code and the error's details. */
function grpcCall(client: Client, method: MethodContract, bytes: Uint8Array): Promise<{ code: number; violations: Array<{ field: string; description: string }> | undefined }> {
  const metadata = new Metadata();
  metadata.set('authorization', `Bearer ${token}`);
  const deadline = Date.now() + 5_000;
  const identity = (b: Buffer) => b;
  const done = (err: ServiceError | null) => ({ code: err?.code ?? Code.OK, violations: err ? decodeErrorDetails(err.metadata).badRequest?.fieldViolations : undefined });
  if (method.serverStreaming) {
    return new Promise((resolve) => {
      const call = client.makeServerStreamRequest(method.path, identity, identity, Buffer.from(bytes), metadata, { deadline });
      // One message is enough: the watch is valid and running; cancelling it is the client's right.
      call.on('data', () => call.cancel());
      call.on('error', (err: ServiceError) => resolve(err.code === Code.CANCELLED ? { code: Code.OK, violations: undefined } : done(err)));
      call.on('end', () => resolve({ code: Code.OK, violations: undefined }));
    });
  }
  return new Promise((resolve) => client.makeUnaryRequest(method.path, identity, identity, Buffer.from(bytes), metadata, { deadline }, (err) => resolve(done(err))));
}

/**
 * restRequest turns a request message into the HTTP request of its route:
 * path variables, then the body, then the query; undefined for a message
 * JSON cannot carry (a Duration whose nanos and seconds differ in sign).
 */
function restRequest(route: Route, message: Message): { path: string; body: JsonValue | undefined } | undefined {
  let json: JsonObject;
  try {
    json = toJson(route.input, message, { registry: contract.registry }) as JsonObject;
  } catch {
    return undefined;
  }
  const values = new Map<string, string>();
  route.pathFields.forEach((chain, i) => {
    let holder: JsonObject | undefined = json;
    for (const f of chain.slice(0, -1)) holder = holder?.[f.jsonName] as JsonObject | undefined;
    const leaf = chain[chain.length - 1]!;
    const value = holder?.[leaf.jsonName];
    if (holder) delete holder[leaf.jsonName];
    values.set(route.template.variables[i]!.fieldPath.join('.'), value === undefined || value === null ? '' : String(value));
  });
  const path = openApiPath(route.template).replace(/\{([^}]+)\}/g, (_, name: string) => encodeURIComponent(values.get(name) ?? ''));
  if (route.body === '*') return { path, body: json };
  let body: JsonValue | undefined;
  if (route.bodyField) {
    body = json[route.bodyField.jsonName];
    delete json[route.bodyField.jsonName];
  }
  const query = new URLSearchParams();
  const add = (prefix: string, value: JsonValue) => {
    if (Array.isArray(value)) for (const v of value) if (v === null || typeof v !== 'object') query.append(prefix, String(v));
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) for (const [k, v] of Object.entries(value)) add(`${prefix}.${k}`, v);
    if (value === null || typeof value !== 'object') query.append(prefix, String(value));
  };
  for (const [k, v] of Object.entries(json)) add(k, v);
  return { path: query.size > 0 ? `${path}?${query}` : path, body };
}

describe('a contract-driven fuzz of every public method', () => {
  it('over gRPC: never INTERNAL, UNKNOWN or another server fault; every INVALID_ARGUMENT names its fields', async () => {
    const failures: string[] = [];
    const codes: Record<string, number> = {};
    const clients = new Map<string, Client>();
    const started = Date.now();
    let sent = 0;
    try {
      for (const method of methods) {
        const name = /^shop\.([a-z]+)\.v1\./.exec(method.service)![1] as ServiceName;
        const address = mesh.running.get(name)!.address;
        if (!clients.has(address)) clients.set(address, new Client(address, credentials.createInsecure()));
        for (const c of casesOf(method)) {
          if (Date.now() - started > BUDGET_MS) break;
          const { code, violations } = await grpcCall(clients.get(address)!, method, toBinary(method.desc.input, c.message));
          sent += 1;
          codes[Code[code]!] = (codes[Code[code]!] ?? 0) + 1;
          if (FAULTS.has(code)) failures.push(`${describeCase(method, c)}: ${Code[code]}`);
          else if (code === Code.INVALID_ARGUMENT && unnamed(violations)) failures.push(`${describeCase(method, c)}: INVALID_ARGUMENT without field names (${JSON.stringify(violations)})`);
        }
      }
    } finally {
      for (const client of clients.values()) client.close();
    }
    console.log(`gRPC fuzz: ${sent} calls to ${methods.length} methods in ${Date.now() - started} ms: ${JSON.stringify(codes)}`);
    expect(failures).toEqual([]);
    expect(sent).toBeGreaterThan(methods.length * 10);
  }, BUDGET_MS + 60_000);

  it('as REST through the gateway: never a 5xx; every 400 of INVALID_ARGUMENT names its fields', async () => {
    const failures: string[] = [];
    const statuses: Record<string, number> = {};
    const started = Date.now();
    let sent = 0;
    for (const method of methods) {
      const route = mesh.gateway.routes.find((r) => r.rpc.path === method.path);
      if (route === undefined) continue;
      for (const c of casesOf(method)) {
        if (Date.now() - started > BUDGET_MS) break;
        const request = restRequest(route, c.message);
        if (request === undefined) continue;
        const { path, body } = request;
        const headers: Record<string, string> = { authorization: `Bearer ${token}`, ...(route.streaming ? { accept: 'application/x-ndjson', 'grpc-timeout': '1S' } : {}) };
        const res = await http(mesh.base, route.httpMethod, path, { headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
        sent += 1;
        statuses[res.status] = (statuses[res.status] ?? 0) + 1;
        const where = `${describeCase(method, c)} (${route.httpMethod} ${path.slice(0, 120)})`;
        if (res.status >= 500) failures.push(`${where}: ${res.status} ${res.text.slice(0, 200)}`);
        else if (res.status === 400 && res.json?.error?.status === 'INVALID_ARGUMENT') {
          // A 400 may also be FAILED_PRECONDITION or OUT_OF_RANGE (the google.rpc mapping), which name no field.
          const violations = (res.json?.error?.details ?? []).flatMap((d: { fieldViolations?: Array<{ field: string; description: string }> }) => d.fieldViolations ?? []);
          if (unnamed(violations)) failures.push(`${where}: 400 without field names: ${res.text.slice(0, 200)}`);
        }
      }
    }
    console.log(`REST fuzz: ${sent} requests in ${Date.now() - started} ms: ${JSON.stringify(statuses)}`);
    expect(failures).toEqual([]);
    expect(sent).toBeGreaterThan(methods.length * 10);
  }, BUDGET_MS + 60_000);
});
