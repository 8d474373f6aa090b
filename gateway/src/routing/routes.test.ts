import { badContract, testContract } from '../../test/support/test-contract';
import { readRoutes, RouteConfigError } from './routes';

describe('readRoutes', () => {
  it('reads every binding: additional bindings, custom methods and verbs, bodies and response bodies', () => {
    const routes = readRoutes(testContract());
    const byId = new Map(routes.map((r) => [r.id, r]));
    expect(byId.get('TranscodeService_GetSink_1')).toMatchObject({ httpMethod: 'GET', body: '' });
    expect(byId.get('TranscodeService_GetSink_2')).toMatchObject({ httpMethod: 'POST', body: '*' });
    expect(byId.get('TranscodeService_LookupSink')?.httpMethod).toBe('SEARCH');
    expect(byId.get('TranscodeService_GetTitle')?.responseBodyField?.name).toBe('title');
    expect(byId.get('TranscodeService_CreateSink')?.bodyField?.name).toBe('sink');
    expect(byId.get('TranscodeService_GetNested')?.pathFields.map((chain) => chain.map((f) => f.name).join('.'))).toEqual(['sink.inner.name', 'sink.id']);
    expect(byId.get('TranscodeService_WatchSink')?.streaming).toBe(true);
    expect(byId.get('TranscodeService_GetAdminSink')?.access).toBe('admin');
    expect(routes.some((r) => r.rpc.name === 'PurgeSinks')).toBe(false);
  });

  it('refuses to start with bindings it cannot serve safely, listing every problem', () => {
    let error: RouteConfigError | undefined;
    try {
      readRoutes(badContract());
    } catch (err) {
      error = err as RouteConfigError;
    }
    expect(error).toBeInstanceOf(RouteConfigError);
    const text = error!.problems.join('\n');
    expect(text).toContain('BadService.Internal is ACCESS_INTERNAL but has a google.api.http binding');
    expect(text).toContain('path variable {inner} must name a singular scalar or enum field');
    expect(text).toContain('path variable {tags} must name a singular scalar or enum field');
    expect(text).toContain('gwbad.v1.Thing has no field nope');
    expect(text).toContain('body "nope" is not a field of gwbad.v1.Thing');
    expect(text).toContain('response_body "nope" is not a field of gwbad.v1.Thing');
    expect(text).toContain('GET must not take a body');
    expect(text).toContain('"**" must be the last segment');
    expect(text).toContain('is the same route as GET /v1/dup/{id}');
    expect(text).toContain('streams requests from the client');
    expect(error!.problems).toHaveLength(10);
  });
});
