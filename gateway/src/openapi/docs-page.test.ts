import { sharedContract } from '@shop/kit';
import { readRoutes } from '../routing/routes';
import { buildOpenApi } from './build-openapi';
import { createDocs } from './docs-page';

const doc = buildOpenApi(readRoutes(sharedContract()), sharedContract().registry, { title: 'shopmesh <API>', version: 'v1' });

describe('createDocs', () => {
  it('serves Swagger UI from the swagger-ui-dist package, scripts from this origin only', () => {
    let installed = true;
    try {
      require.resolve('swagger-ui-dist/package.json');
    } catch {
      installed = false;
    }
    if (!installed) return;
    const docs = createDocs(doc);
    expect(docs.source).toBe('swagger-ui-dist');
    expect([...docs.assets.keys()].sort()).toEqual(['/docs', '/docs/', '/docs/init.js', '/docs/swagger-ui-bundle.js', '/docs/swagger-ui.css', '/favicon.ico']);
    expect(docs.assets.get('/favicon.ico')!.contentType).toBe('image/svg+xml');
    expect(String(docs.assets.get('/favicon.ico')!.body)).toMatch(/^<svg /);
    const page = String(docs.assets.get('/docs')!.body);
    expect(page).toContain('<script src="/docs/swagger-ui-bundle.js"></script>');
    expect(page).not.toMatch(/<script>/);
    expect(String(docs.assets.get('/docs/init.js')!.body)).toContain("url: '/openapi.json'");
    expect(docs.csp).toContain("default-src 'self'");
  });

  it('renders a static page of every operation when swagger-ui-dist is missing', () => {
    const docs = createDocs(doc, () => {
      throw new Error('not installed');
    });
    expect(docs.source).toBe('builtin');
    const page = String(docs.assets.get('/docs')!.body);
    expect(page).toContain('shopmesh &#60;API&#62;');
    expect(page).toContain('<code>/v1/orders/{order_id}:watch</code>');
    expect(page).toContain('<span class="access">admin</span>');
    expect(page).not.toMatch(/<script/);
    expect(docs.csp).toContain("default-src 'none'");
    // The page links the icon, and its CSP lets it load.
    expect(page).toContain('<link rel="icon" type="image/svg+xml" href="/favicon.ico">');
    expect(docs.assets.has('/favicon.ico')).toBe(true);
    expect(docs.csp).toContain("img-src 'self'");
  });
});
