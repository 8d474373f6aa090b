/**
 * The google.api.http transcoding rules, table-driven, over real HTTP: each
 * case sends a request to a gateway running the gwtest.v1 contract and
 * checks the exact message the gRPC backend received (canonical JSON) and
 * the HTTP answer. The backend is a real grpc-js server decoding with
 * protobuf-es; it answers what the case scripts.
 */
import pino from 'pino';
import { createTestAuth, type TestAuth } from '@shop/kit/testing';
import type { JsonValue } from '@bufbuild/protobuf';
import { createGateway, type Gateway } from '../src/create-gateway';
import { startEchoBackend, type EchoBackend, type Reply } from './support/echo-backend';
import { detail, errorOf, http } from './support/http';
import { testContract } from './support/test-contract';

interface Case {
  name: string;
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string | object;
  reply?: Reply;
  /** rpc and request are what the backend must have received. */
  rpc?: string;
  request?: JsonValue;
  status?: number;
  /** response is the expected JSON body (for 2xx), or a predicate on the error for 4xx. */
  response?: JsonValue;
  field?: string;
}

const contract = testContract();
let auth: TestAuth;
let backend: EchoBackend;
let gateway: Gateway;
let base: string;

beforeAll(async () => {
  auth = await createTestAuth();
  backend = await startEchoBackend(contract.registry, ['gwtest.v1.TranscodeService']);
  gateway = createGateway({ contract, log: pino({ level: 'silent' }), backends: () => [backend.address], jwks: auth.jwks, revocations: auth.revocations, settings: { rateLimit: {} } });
  base = `http://127.0.0.1:${await gateway.listen(0)}`;
});

afterAll(async () => {
  await gateway.close({ graceMs: 100 });
  await backend.stop();
  auth.cleanup();
});

async function run(c: Case): Promise<void> {
  backend.calls.length = 0;
  backend.behave(() => c.reply ?? { response: {} });
  const res = await http(base, c.method, c.path, { headers: c.headers, body: c.body });
  const status = c.status ?? 200;
  if (res.status !== status) throw new Error(`expected ${status}, got ${res.status}: ${res.text.slice(0, 500)}`);
  if (c.rpc !== undefined) {
    expect(backend.calls).toHaveLength(1);
    expect(backend.calls[0].method).toBe(c.rpc);
  }
  if (c.request !== undefined) expect(backend.calls[0].request).toEqual(c.request);
  if (status >= 400) {
    expect(backend.calls).toHaveLength(0);
    const error = errorOf(res);
    expect(error.code).toBe(status);
    if (c.field !== undefined) expect(detail(res, 'google.rpc.BadRequest')?.fieldViolations?.[0]?.field).toBe(c.field);
  } else if (c.response !== undefined) {
    expect(res.json).toEqual(c.response);
  }
}

const pathCases: Case[] = [
  { name: 'binds a single-segment variable', method: 'GET', path: '/v1/sinks/abc', rpc: 'GetSink', request: { id: 'abc' } },
  { name: 'prefers a literal segment to a variable', method: 'GET', path: '/v1/sinks/first', rpc: 'GetFirstSink', request: {} },
  { name: 'falls through to the variable route when the literal has no such method', method: 'PUT', path: '/v1/sinks/first', body: {}, rpc: 'ReplaceSink', request: { id: 'first' } },
  { name: 'decodes a single-segment value fully, %2F included', method: 'GET', path: '/v1/sinks/a%20b%2Fc', rpc: 'GetSink', request: { id: 'a b/c' } },
  { name: 'binds a multi-segment variable', method: 'GET', path: '/v1/shelves/s1/sinks/k2', rpc: 'GetByName', request: { name: 'shelves/s1/sinks/k2' } },
  { name: 'keeps %2F encoded inside a multi-segment variable', method: 'GET', path: '/v1/shelves/s%2F1/sinks/k%202', rpc: 'GetByName', request: { name: 'shelves/s%2F1/sinks/k 2' } },
  { name: 'binds a trailing ** wildcard across segments', method: 'GET', path: '/v1/files/dir/sub/%E2%9C%93.txt', rpc: 'GetFile', request: { path: 'dir/sub/✓.txt' } },
  { name: 'binds nested fields from the path', method: 'GET', path: '/v1/shelves/top/nested/x1', rpc: 'GetNested', request: { sink: { id: 'x1', inner: { name: 'top' } } } },
  { name: 'serves an additional binding', method: 'GET', path: '/v2/sinks/abc', rpc: 'GetSink', request: { id: 'abc' } },
  { name: 'serves an additional binding with its own verb and body', method: 'POST', path: '/v1/sinks/abc:fetch', body: { view: 'COLOR_RED' }, rpc: 'GetSink', request: { id: 'abc', view: 'COLOR_RED' } },
  { name: 'matches a custom verb', method: 'POST', path: '/v1/sinks/abc:archive', body: { reason: 'old' }, rpc: 'ArchiveSink', request: { id: 'abc', reason: 'old' } },
  { name: 'reads a colon as part of the value when no verb matches', method: 'GET', path: '/v1/sinks/ab:cd', rpc: 'GetSink', request: { id: 'ab:cd' } },
  { name: 'serves a custom HTTP method', method: 'SEARCH', path: '/v1/sinks:lookup', body: { title: 't' }, rpc: 'LookupSink', request: { title: 't' } },
  { name: 'serves DELETE with query parameters', method: 'DELETE', path: '/v1/sinks/abc?etag=e1&force=true', rpc: 'DeleteSink', request: { id: 'abc', etag: 'e1', force: true }, response: {} },
  { name: 'answers 404 for an unknown path', method: 'GET', path: '/v1/nowhere', status: 404 },
  { name: 'answers 405 for a known path with another method', method: 'POST', path: '/v1/sinks/abc', body: {}, status: 405 },
  { name: 'never routes to an internal RPC by its gRPC path', method: 'POST', path: '/gwtest.v1.TranscodeService/PurgeSinks', body: {}, status: 404 },
  { name: 'refuses malformed percent-encoding in the path', method: 'GET', path: '/v1/sinks/%E2%28', status: 400 },
];

const queryCases: Case[] = [
  { name: 'reads top-level scalars and repeated keys, by either field name', method: 'GET', path: '/v1/sinks?pageSize=5&page_token=t&ids=a&ids=b', rpc: 'Search', request: { pageSize: 5, pageToken: 't', ids: ['a', 'b'] } },
  {
    name: 'reads nested fields with dotted names, in canonical JSON forms',
    method: 'GET',
    path: '/v1/sinks?filter.title=x&filter.i64=-9007199254740993&filter.u64=18446744073709551615&filter.flag=true&filter.db=1.5&filter.fl=NaN&filter.color=COLOR_GREEN&filter.colors=1&filter.colors=COLOR_RED&filter.inner.name=n&filter.blob=AAE%3D&filter.s32=-4',
    rpc: 'Search',
    request: {
      filter: { title: 'x', i64: '-9007199254740993', u64: '18446744073709551615', flag: true, db: 1.5, fl: 'NaN', color: 'COLOR_GREEN', colors: ['COLOR_RED', 'COLOR_RED'], inner: { name: 'n' }, blob: 'AAE=', s32: -4 },
    },
  },
  {
    name: 'reads well-known types from their string forms',
    method: 'GET',
    path: '/v1/sinks?after=2024-01-01T00:00:00Z&within=1.5s&fields=displayName,inner.name&minCount=0',
    rpc: 'Search',
    request: { after: '2024-01-01T00:00:00Z', within: '1.500s', fields: 'displayName,inner.name', minCount: 0 },
  },
  { name: 'accepts a FieldMask in proto names', method: 'GET', path: '/v1/sinks?fields=display_name,inner_map.key', rpc: 'Search', request: { fields: 'displayName,innerMap.key' } },
  { name: 'decodes + as a space and percent-escapes', method: 'GET', path: '/v1/sinks?pageToken=a+b%2Bc%26', rpc: 'Search', request: { pageToken: 'a b+c&' } },
  { name: 'refuses an unknown query parameter', method: 'GET', path: '/v1/sinks?nope=1', status: 400, field: 'nope' },
  { name: 'refuses a map field in the query', method: 'GET', path: '/v1/sinks?labels.x=1', status: 400, field: 'labels.x' },
  { name: 'refuses a message field without a subfield', method: 'GET', path: '/v1/sinks?filter=x', status: 400, field: 'filter' },
  { name: 'refuses a singular field given twice', method: 'GET', path: '/v1/sinks?pageSize=1&pageSize=2', status: 400, field: 'page_size' },
  { name: 'refuses a bool that is not true or false', method: 'GET', path: '/v1/sinks?filter.flag=yes', status: 400, field: 'filter.flag' },
  { name: 'refuses a number that is not one', method: 'GET', path: '/v1/sinks?pageSize=abc', status: 400, field: 'page_size' },
  { name: 'refuses an int32 out of range', method: 'GET', path: '/v1/sinks?pageSize=3000000000', status: 400, field: 'page_size' },
  { name: 'refuses query parameters when the body is "*"', method: 'PUT', path: '/v1/sinks/a?x=1', body: {}, status: 400 },
  { name: 'refuses a query parameter for a field the path sets', method: 'GET', path: '/v1/sinks/abc?id=zzz', status: 400, field: 'id' },
];

const bodyCases: Case[] = [
  { name: 'maps a field body and fills the rest from path and query', method: 'POST', path: '/v1/shelves/s1/sinks?requestId=r1', body: { title: 'T', i64: '5' }, rpc: 'CreateSink', request: { shelf: 's1', sink: { title: 'T', i64: '5' }, requestId: 'r1' } },
  { name: 'accepts proto field names in the body', method: 'POST', path: '/v1/shelves/s1/sinks', body: { maybe_i32: 5, created_by: 'x', inner_map: { k: { name: 'v' } } }, rpc: 'CreateSink', request: { shelf: 's1', sink: { maybeI32: 5, createdBy: 'x', innerMap: { k: { name: 'v' } } } } },
  { name: 'maps a "*" body and lets the path win over the body', method: 'PUT', path: '/v1/sinks/p1', body: { id: 'other', sink: { title: 't' }, update_mask: 'title' }, rpc: 'ReplaceSink', request: { id: 'p1', sink: { title: 't' }, updateMask: 'title' } },
  { name: 'maps a repeated field body', method: 'POST', path: '/v1/sinks/s1/tags', body: ['a', 'b'], rpc: 'SetTags', request: { id: 's1', tags: ['a', 'b'] } },
  { name: 'treats an empty "*" body as an empty message', method: 'PUT', path: '/v1/sinks/p1', rpc: 'ReplaceSink', request: { id: 'p1' } },
  { name: 'accepts JSON content types with parameters and +json', method: 'PUT', path: '/v1/sinks/p1', headers: { 'content-type': 'application/merge-patch+json; charset=utf-8' }, body: '{"sink":{}}', rpc: 'ReplaceSink', request: { id: 'p1', sink: {} } },
  { name: 'refuses a query parameter inside the body field', method: 'POST', path: '/v1/shelves/s1/sinks?sink.title=x', body: {}, status: 400, field: 'sink.title' },
  { name: 'refuses a "*" body that is not an object', method: 'PUT', path: '/v1/sinks/p1', body: '[1]', status: 400 },
  { name: 'refuses an unknown field, naming it', method: 'POST', path: '/v1/shelves/s1/sinks', body: { nope: 1 }, status: 400, field: 'sink.nope' },
  { name: 'refuses a wrong type, naming the field', method: 'POST', path: '/v1/shelves/s1/sinks', body: { i32: 'x' }, status: 400, field: 'sink.i32' },
  { name: 'names a nested field at fault', method: 'POST', path: '/v1/shelves/s1/sinks', body: { inner: { child: { n: 'abc' } } }, status: 400, field: 'sink.inner.child.n' },
  { name: 'names a list element at fault', method: 'POST', path: '/v1/shelves/s1/sinks', body: { inners: [{}, { n: true }] }, status: 400, field: 'sink.inners[1].n' },
  { name: 'refuses an unknown enum name', method: 'POST', path: '/v1/shelves/s1/sinks', body: { color: 'COLOR_BLUE' }, status: 400, field: 'sink.color' },
  { name: 'refuses an invalid Timestamp', method: 'POST', path: '/v1/shelves/s1/sinks', body: { when: 'yesterday' }, status: 400, field: 'sink.when' },
  { name: 'refuses a fractional int64', method: 'POST', path: '/v1/shelves/s1/sinks', body: { i64: 1.5 }, status: 400, field: 'sink.i64' },
  { name: 'refuses malformed JSON', method: 'POST', path: '/v1/shelves/s1/sinks', body: '{"title": ', status: 400 },
  { name: 'refuses a body that is not JSON', method: 'POST', path: '/v1/shelves/s1/sinks', headers: { 'content-type': 'text/plain' }, body: 'title=x', status: 415 },
];

const responseCases: Case[] = [
  { name: 'answers a scalar response_body', method: 'GET', path: '/v1/sinks/a/title', reply: { response: { title: 'Hello' } }, response: 'Hello' },
  { name: 'answers the zero value of an unset scalar response_body', method: 'GET', path: '/v1/sinks/a/title', reply: { response: {} }, response: '' },
  { name: 'answers a repeated response_body', method: 'GET', path: '/v1/sinks/a/tags', reply: { response: { tags: ['x', 'y'] } }, response: ['x', 'y'] },
  { name: 'answers [] for an unset repeated response_body', method: 'GET', path: '/v1/sinks/a/tags', response: [] },
  { name: 'answers a message response_body', method: 'GET', path: '/v1/sinks/a/inner', reply: { response: { inner: { name: 'n', n: '3' } } }, response: { name: 'n', n: '3' } },
  { name: 'answers {} for an unset message response_body', method: 'GET', path: '/v1/sinks/a/inner', response: {} },
  { name: 'answers {} for google.protobuf.Empty', method: 'DELETE', path: '/v1/sinks/a', response: {} },
];

const everyKind = {
  id: 's',
  i64: '-1',
  u64: '18446744073709551615',
  sf64: '-9223372036854775808',
  color: 'COLOR_RED',
  colors: ['COLOR_GREEN'],
  when: '2024-01-01T00:00:00.500Z',
  took: '-3.000000001s',
  mask: 'a.bC,d',
  maybeI32: 0,
  maybeS: '',
  maybeI64: '7',
  meta: { a: [1, 'x', null, { b: false }] },
  anything: null,
  list: [],
  extra: { '@type': 'type.googleapis.com/google.protobuf.Duration', value: '1s' },
  nothing: {},
  pickS: 's',
  optI32: 0,
  optS: '',
  fl: 'Infinity',
  db: -0.5,
  blob: 'AAE=',
  totals: { k: '1' },
  names: { '1': 'one', '-2': 'minus two' },
  counts: ['0', '1'],
  bigNumber: 1,
};

const mappingCases: Case[] = [
  { name: 'writes every JSON mapping form canonically', method: 'GET', path: '/v1/sinks/s', reply: { response: everyKind }, response: everyKind },
  { name: 'leaves out fields holding their zero value', method: 'GET', path: '/v1/sinks/s', reply: { response: { i32: 0, title: '', flag: false, color: 'COLOR_UNSPECIFIED', counts: [] } }, response: {} },
  { name: 'writes an enum number the contract does not know as a number', method: 'GET', path: '/v1/sinks/s', reply: { response: { color: 42 } }, response: { color: 42 } },
  { name: 'writes an Any holding a message with its fields inline', method: 'GET', path: '/v1/sinks/s', reply: { response: { extra: { '@type': 'type.googleapis.com/gwtest.v1.Inner', name: 'packed' } } }, response: { extra: { '@type': 'type.googleapis.com/gwtest.v1.Inner', name: 'packed' } } },
];

const maskCases: Case[] = [
  {
    name: 'takes a PATCH field mask from the query in JSON form',
    method: 'PATCH',
    path: '/v1/sinks/s1?updateMask=title,maybeI32',
    body: { title: 't', maybeI32: 3 },
    rpc: 'UpdateSink',
    request: { sink: { id: 's1', title: 't', maybeI32: 3 }, updateMask: 'title,maybeI32' },
  },
  {
    name: 'takes a PATCH field mask from the query in proto form',
    method: 'PATCH',
    path: '/v1/sinks/s1?update_mask=title,maybe_i32',
    body: { title: 't' },
    rpc: 'UpdateSink',
    request: { sink: { id: 's1', title: 't' }, updateMask: 'title,maybeI32' },
  },
  {
    name: 'infers a missing PATCH field mask from the fields the body sets, not the ones the path sets',
    method: 'PATCH',
    path: '/v1/sinks/s1',
    body: { title: 't', maybe_i32: 3, id: 'ignored', inner: null },
    rpc: 'UpdateSink',
    request: { sink: { id: 's1', title: 't', maybeI32: 3 }, updateMask: 'title,maybeI32,inner' },
  },
  { name: 'infers an empty mask from an empty PATCH body', method: 'PATCH', path: '/v1/sinks/s1', body: {}, rpc: 'UpdateSink', request: { sink: { id: 's1' }, updateMask: '' } },
  {
    name: 'accepts a field mask in the body as {"paths": [...]}',
    method: 'PUT',
    path: '/v1/sinks/p1',
    body: { updateMask: { paths: ['title', 'inner_map'] } },
    rpc: 'ReplaceSink',
    request: { id: 'p1', updateMask: 'title,innerMap' },
  },
  { name: 'refuses a field mask that is neither form', method: 'PUT', path: '/v1/sinks/p1', body: { updateMask: 5 }, status: 400, field: 'update_mask' },
];

describe('transcoding', () => {
  describe('path templates, verbs and bindings', () => {
    it.each(pathCases.map((c) => [c.name, c] as const))('%s', (_name, c) => run(c));
  });
  describe('query parameters', () => {
    it.each(queryCases.map((c) => [c.name, c] as const))('%s', (_name, c) => run(c));
  });
  describe('request bodies', () => {
    it.each(bodyCases.map((c) => [c.name, c] as const))('%s', (_name, c) => run(c));
  });
  describe('response bodies', () => {
    it.each(responseCases.map((c) => [c.name, c] as const))('%s', (_name, c) => run(c));
  });
  describe('JSON mapping', () => {
    it.each(mappingCases.map((c) => [c.name, c] as const))('%s', (_name, c) => run(c));
  });
  describe('field masks', () => {
    it.each(maskCases.map((c) => [c.name, c] as const))('%s', (_name, c) => run(c));
  });

  it('answers HEAD like GET without a body', async () => {
    backend.behave(() => ({ response: { title: 'x' } }));
    const res = await fetch(`${base}/v1/sinks/h`, { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(Number(res.headers.get('content-length'))).toBeGreaterThan(0);
    expect(await res.text()).toBe('');
  });

  it('lists the allowed methods on 405', async () => {
    const res = await http(base, 'POST', '/v1/sinks/abc', { body: {} });
    expect(res.headers.get('allow')).toBe('DELETE, GET, HEAD, PATCH, PUT');
  });
});
