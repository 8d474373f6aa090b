import { openApiPath, parseTemplate, TemplateError } from './path-template';

describe('parseTemplate', () => {
  it.each([
    ['/v1/products', ['products'], [], undefined],
    ['/v1/products/{product_id}', ['products', '*'], [{ fieldPath: ['product_id'], start: 2, end: 3, multiSegment: false, pattern: '*' }], undefined],
    ['/v1/products:batchGet', ['products'], [], 'batchGet'],
    ['/v1/orders/{order_id}:cancel', ['orders', '*'], [{ fieldPath: ['order_id'], start: 2, end: 3, multiSegment: false, pattern: '*' }], 'cancel'],
    ['/v1/{name=shelves/*/books/*}', ['shelves', '*', 'books', '*'], [{ fieldPath: ['name'], start: 1, end: 5, multiSegment: true, pattern: 'shelves/*/books/*' }], undefined],
    ['/v1/files/{path=**}', ['files', '**'], [{ fieldPath: ['path'], start: 2, end: -1, multiSegment: true, pattern: '**' }], undefined],
    ['/v1/products/{product.id}', ['products', '*'], [{ fieldPath: ['product', 'id'], start: 2, end: 3, multiSegment: false, pattern: '*' }], undefined],
    ['/v1/{name=things/*}:undo', ['things', '*'], [{ fieldPath: ['name'], start: 1, end: 3, multiSegment: true, pattern: 'things/*' }], 'undo'],
  ])('parses %s', (source, tail, variables, verb) => {
    const template = parseTemplate(source);
    const segments = template.segments.map((s) => (s.kind === 'literal' ? s.value : s.kind === 'wildcard' ? '*' : '**'));
    expect(segments).toEqual(['v1', ...tail]);
    expect(template.variables).toEqual(variables);
    expect(template.verb).toBe(verb);
  });

  it.each([
    ['v1/products', 'it must start with "/"'],
    ['/v1/{id', 'unbalanced braces'],
    ['/v1/{a.b-c}', 'invalid field path'],
    ['/v1/{id}/{id}', 'bound twice'],
    ['/v1/{a={b}}', 'variables cannot nest'],
    ['/v1/**/tail', '"**" must be the last segment'],
    ['/v1//x', 'empty segment'],
    ['/v1/a b', 'invalid literal'],
    ['/v1/x:', 'invalid verb'],
  ])('refuses %s: %s', (source, problem) => {
    expect(() => parseTemplate(source)).toThrow(TemplateError);
    expect(() => parseTemplate(source)).toThrow(problem);
  });

  it('renders variables as OpenAPI path parameters', () => {
    expect(openApiPath(parseTemplate('/v1/{name=shelves/*/books/*}:undo'))).toBe('/v1/{name}:undo');
    expect(openApiPath(parseTemplate('/v1/products/{product.id}'))).toBe('/v1/products/{product.id}');
    expect(openApiPath(parseTemplate('/v1/files/{path=**}'))).toBe('/v1/files/{path}');
  });
});
