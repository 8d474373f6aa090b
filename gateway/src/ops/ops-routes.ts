import type { IncomingMessage } from 'node:http';
import { status as Code } from '@grpc/grpc-js';
import type { Registry } from 'prom-client';
import { GatewayError } from '../errors/gateway-error';
import type { OpsHandler } from '../http/handler';
import { sendJson, sendText } from '../http/respond';
import type { Docs } from '../openapi/docs-page';
import type { ReadinessReport } from './readiness';

/** OpsDeps are what the gateway's own endpoints report on. */
export interface OpsDeps {
  readiness: { check(): Promise<ReadinessReport> };
  registry: Registry;
  openApiJson: string;
  docs: Docs;
  draining(): boolean;
}

/**
 * createOpsRoutes serves the gateway's own paths: /healthz (the process is
 * alive), /readyz (every backend SERVING and not shutting down), /metrics
 * (Prometheus), /openapi.json and /docs. They take GET and HEAD only and
 * need no token; keep /metrics off the public ingress.
 */
export function createOpsRoutes(deps: OpsDeps): Map<string, OpsHandler> {
  const routes = new Map<string, OpsHandler>();
  const get = (path: string, handler: OpsHandler) =>
    routes.set(path, (req, res, headers) => {
      if (req.method !== 'GET' && req.method !== 'HEAD') return methodNotAllowed(req);
      return handler(req, res, headers);
    });

  get('/healthz', (_req, res, headers) => {
    headers.push('cache-control', 'no-store');
    sendJson(res, 200, headers, '{"status":"ok"}');
  });
  get('/readyz', async (_req, res, headers) => {
    headers.push('cache-control', 'no-store');
    if (deps.draining()) return sendJson(res, 503, headers, '{"status":"draining","services":{}}');
    const report = await deps.readiness.check();
    sendJson(res, report.ready ? 200 : 503, headers, JSON.stringify({ status: report.ready ? 'ready' : 'not ready', services: report.services }));
  });
  get('/metrics', async (_req, res, headers) => {
    sendText(res, 200, headers, deps.registry.contentType, await deps.registry.metrics());
  });
  get('/openapi.json', (_req, res, headers) => {
    headers.push('cache-control', 'no-cache');
    sendText(res, 200, headers, 'application/json; charset=utf-8', deps.openApiJson);
  });
  for (const [path, asset] of deps.docs.assets) {
    get(path, (_req, res, headers) => {
      headers.push('content-security-policy', deps.docs.csp, 'x-content-type-options', 'nosniff', 'cache-control', 'no-cache');
      sendText(res, 200, headers, asset.contentType, asset.body);
    });
  }
  return routes;
}

function methodNotAllowed(req: IncomingMessage): never {
  // The handler renders it like every other error: one JSON shape, with the request id.
  throw new GatewayError(Code.UNIMPLEMENTED, 'METHOD_NOT_ALLOWED', `${req.method} is not allowed here; allowed: GET, HEAD`, { httpStatus: 405, headers: [['allow', 'GET, HEAD']] });
}
