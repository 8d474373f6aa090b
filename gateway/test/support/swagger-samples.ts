import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** CHROMIUM is Debian's Chromium (package chromium, installed by scripts/install-system-deps.sh). */
export const CHROMIUM = '/usr/bin/chromium';

/** OperationSample is what "Try it out" fills in for one operation: each parameter's value and the request body. */
export interface OperationSample {
  params: Array<{ name: string; in: string; value: unknown }>;
  /** body is the JSON text of the request body, undefined when the operation takes none. */
  body: string | undefined;
}

// The page runs in Chromium: Swagger UI (swagger-ui-dist, the bundle the
// gateway serves at /docs) loads the document, resolves it with its own
// resolver and makes each request body with getSampleSchema, the function
// behind the body "Try it out" starts from. A parameter starts from its
// example, as Swagger UI fills it in for OpenAPI 3.
const PAGE = `<!doctype html><html><head><meta charset="utf-8"></head><body><div id="ui"></div><pre id="out">pending</pre>
<script charset="utf-8" src="/bundle.js"></script><script charset="utf-8" src="/samples.js"></script></body></html>`;
const SCRIPT = `(async () => {
  const spec = await (await fetch('/openapi.json')).json();
  const ui = SwaggerUIBundle({ spec, dom_id: '#ui' });
  const resolved = (await ui.fn.resolve({ spec })).spec;
  const out = {};
  for (const [path, item] of Object.entries(resolved.paths)) {
    for (const [method, op] of Object.entries(item)) {
      if (typeof op !== 'object' || op === null || !op.operationId) continue;
      const schema = op.requestBody && op.requestBody.content && op.requestBody.content['application/json'] && op.requestBody.content['application/json'].schema;
      const params = (op.parameters || []).map((p) => ({ name: p.name, in: p.in, value: p.example !== undefined ? p.example : p.schema && p.schema.example }));
      out[method.toUpperCase() + ' ' + path] = { params, body: schema ? ui.fn.getSampleSchema(schema, 'application/json', { includeWriteOnly: true }) : undefined };
    }
  }
  document.getElementById('out').textContent = btoa(unescape(encodeURIComponent(JSON.stringify(out))));
})().catch((e) => { document.getElementById('out').textContent = btoa('ERROR ' + e.stack); });`;

/**
 * swaggerUiSamples returns, per operation ("POST /v1/orders"), what Swagger
 * UI's "Try it out" starts from for the document, computed by Swagger UI in
 * headless Chromium; undefined when Chromium is not installed.
 */
export async function swaggerUiSamples(document: object): Promise<Record<string, OperationSample> | undefined> {
  if (!existsSync(CHROMIUM)) return undefined;
  const bundle = readFileSync(join(dirname(require.resolve('swagger-ui-dist/package.json')), 'swagger-ui-bundle.js'));
  const files: Record<string, [string, string | Buffer]> = {
    '/samples.html': ['text/html; charset=utf-8', PAGE],
    '/bundle.js': ['text/javascript; charset=utf-8', bundle],
    '/samples.js': ['text/javascript; charset=utf-8', SCRIPT],
    '/openapi.json': ['application/json', JSON.stringify(document)],
  };
  const server = createServer((req, res) => {
    const file = files[req.url ?? ''];
    if (file === undefined) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': file[0] }).end(file[1]);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const profile = mkdtempSync(join(tmpdir(), 'chromium-'));
  try {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/samples.html`;
    // The flags keep Chromium off the network it cannot reach here (see the machine's notes) and let the page's promises run to the end.
    const args = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', `--user-data-dir=${profile}`, '--virtual-time-budget=30000', '--dump-dom', url];
    const dom = await new Promise<string>((resolve, reject) =>
      execFile(CHROMIUM, args, { timeout: 90_000, maxBuffer: 64 * 1024 * 1024 }, (err, stdout) => (err ? reject(err) : resolve(stdout))),
    );
    const encoded = /<pre id="out">([^<]*)<\/pre>/.exec(dom)?.[1] ?? '';
    const text = Buffer.from(encoded, 'base64').toString('utf8');
    if (!text.startsWith('{')) throw new Error(`the samples page failed: ${text || dom.slice(0, 500)}`);
    return JSON.parse(text) as Record<string, OperationSample>;
  } finally {
    server.close();
    rmSync(profile, { recursive: true, force: true });
  }
}
