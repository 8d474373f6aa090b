import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { JsonSchema, OpenApiDocument } from './build-openapi';

/** DocsAsset is a file served under /docs. */
export interface DocsAsset {
  contentType: string;
  body: Buffer | string;
}

/** Docs is the /docs page and its assets, keyed by request path. */
export interface Docs {
  /** source says what renders the page: the swagger-ui-dist package, or the gateway's own static page until it is installed. */
  source: 'swagger-ui-dist' | 'builtin';
  assets: ReadonlyMap<string, DocsAsset>;
  /** csp is the Content-Security-Policy of the pages: no inline scripts, nothing from other origins. */
  csp: string;
}

/** FAVICON is the mesh's icon (a shopping bag), served at /favicon.ico so browsers get no 404 for it. */
const FAVICON: DocsAsset = {
  contentType: 'image/svg+xml',
  body: '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect x="5" y="10" width="22" height="19" rx="3" fill="#2d6cdf"/><path d="M11 13V9a5 5 0 0 1 10 0v4" fill="none" stroke="#2d6cdf" stroke-width="2.5"/></svg>\n',
};
const ICON_LINK = '<link rel="icon" type="image/svg+xml" href="/favicon.ico">';

const SWAGGER_FILES: ReadonlyArray<[string, string]> = [
  ['swagger-ui.css', 'text/css; charset=utf-8'],
  ['swagger-ui-bundle.js', 'text/javascript; charset=utf-8'],
];

/**
 * createDocs serves interactive documentation from the swagger-ui-dist npm
 * package when it is installed (files read from node_modules at start-up,
 * never from a CDN), and otherwise a static page generated from the
 * document: every operation with its method, path, access and parameters,
 * and a link to /openapi.json.
 */
export function createDocs(document: OpenApiDocument, resolve: (id: string) => string = require.resolve): Docs {
  const dir = swaggerUiDir(resolve);
  if (dir !== undefined) {
    const assets = new Map<string, DocsAsset>();
    for (const [file, contentType] of SWAGGER_FILES) assets.set(`/docs/${file}`, { contentType, body: readFileSync(join(dir, file)) });
    const page = html(
      'shopmesh API',
      `${ICON_LINK}<link rel="stylesheet" href="/docs/swagger-ui.css">`,
      '<div id="swagger-ui"></div><script src="/docs/swagger-ui-bundle.js"></script><script src="/docs/init.js"></script>',
    );
    assets.set('/docs', { contentType: 'text/html; charset=utf-8', body: page });
    assets.set('/docs/', { contentType: 'text/html; charset=utf-8', body: page });
    assets.set('/favicon.ico', FAVICON);
    assets.set('/docs/init.js', {
      contentType: 'text/javascript; charset=utf-8',
      body: "window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#swagger-ui', deepLinking: true });\n",
    });
    return { source: 'swagger-ui-dist', assets, csp: "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'" };
  }
  const page = builtinPage(document);
  return {
    source: 'builtin',
    assets: new Map([
      ['/docs', { contentType: 'text/html; charset=utf-8', body: page }],
      ['/docs/', { contentType: 'text/html; charset=utf-8', body: page }],
      ['/favicon.ico', FAVICON],
    ]),
    csp: "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'none'",
  };
}

function swaggerUiDir(resolve: (id: string) => string): string | undefined {
  try {
    return dirname(resolve('swagger-ui-dist/package.json'));
  } catch {
    return undefined;
  }
}

function html(title: string, head: string, body: string): string {
  return `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escape(title)}</title>${head}</head><body>${body}</body></html>\n`;
}

const STYLE = `<style>
body{font-family:system-ui,sans-serif;max-width:70rem;margin:2rem auto;padding:0 1rem;color:#1a1a1a;line-height:1.45}
code{background:#f3f3f3;padding:0 .25rem;border-radius:3px}
details{border:1px solid #ddd;border-radius:6px;margin:.4rem 0;padding:.4rem .7rem}
summary{cursor:pointer}
.m{display:inline-block;min-width:4.5rem;font-weight:700}
.GET{color:#0b6e4f}.POST{color:#1d4ed8}.PUT{color:#9a3412}.PATCH{color:#7c3aed}.DELETE{color:#b91c1c}
.access{float:right;font-size:.85rem;color:#555}
table{border-collapse:collapse;margin:.5rem 0}td,th{border-bottom:1px solid #eee;padding:.2rem .6rem;text-align:left;vertical-align:top}
pre{white-space:pre-wrap}
</style>`;

function builtinPage(document: OpenApiDocument): string {
  const info = document['info'] as { title: string; version: string };
  const byTag = new Map<string, string[]>();
  for (const [path, item] of Object.entries(document.paths)) {
    const operations: Array<[string, unknown]> = [];
    for (const [key, value] of Object.entries(item)) {
      if (key === 'x-additionalOperations') operations.push(...Object.entries(value as Record<string, unknown>));
      else if (!key.startsWith('x-')) operations.push([key, value]);
    }
    for (const [method, op] of operations) {
      const operation = op as JsonSchema;
      const tag = (operation['tags'] as string[] | undefined)?.[0] ?? 'Other';
      const list = byTag.get(tag) ?? [];
      list.push(operationHtml(method.toUpperCase(), path, operation));
      byTag.set(tag, list);
    }
  }
  const sections = [...byTag].map(([tag, ops]) => `<h2>${escape(tag)}</h2>${ops.join('')}`).join('');
  const body = `<h1>${escape(info.title)} <small>${escape(info.version)}</small></h1>
<p>The machine-readable description is <a href="/openapi.json">/openapi.json</a> (OpenAPI 3.1). This page is the gateway's plain rendering of it; the interactive
explorer appears here once the <code>swagger-ui-dist</code> package is installed.</p>
<p>Errors are JSON: <code>{"error": {"code", "status", "message", "details"}}</code>. Send tokens as <code>Authorization: Bearer &lt;token&gt;</code>.</p>${sections}`;
  return html(`${info.title} – API`, ICON_LINK + STYLE, body);
}

function operationHtml(method: string, path: string, op: JsonSchema): string {
  const params = (op['parameters'] as JsonSchema[] | undefined)?.filter((p) => p['name'] !== undefined) ?? [];
  const rows = params.map((p) => `<tr><td><code>${escape(String(p['name']))}</code></td><td>${escape(String(p['in']))}</td><td>${p['required'] ? 'required' : ''}</td><td>${escape(String(p['description'] ?? ''))}</td></tr>`).join('');
  const access = op['x-shop-access'] ? `<span class="access">${escape(String(op['x-shop-access']))}</span>` : '';
  const body = op['requestBody'] ? `<p>Body: JSON${schemaName((op['requestBody'] as JsonSchema)['content'])}</p>` : '';
  return `<details><summary><span class="m ${method}">${method}</span> <code>${escape(path)}</code> ${escape(String(op['summary'] ?? ''))}${access}</summary>
<pre>${escape(String(op['description'] ?? ''))}</pre>${rows ? `<table><tr><th>parameter</th><th>in</th><th></th><th></th></tr>${rows}</table>` : ''}${body}</details>`;
}

function schemaName(content: unknown): string {
  const schema = (content as Record<string, { schema?: JsonSchema }> | undefined)?.['application/json']?.schema;
  const ref = schema?.['$ref'];
  return typeof ref === 'string' ? ` (<code>${escape(ref.replace('#/components/schemas/', ''))}</code>)` : '';
}

function escape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
