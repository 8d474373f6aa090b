import { checkCategory, checkDescription, checkImageUrl, checkName, checkPrice, checkSku, parseInt64 } from './product-rules';

const fields = (violations: { field: string }[]) => violations.map((v) => v.field);

describe('checkSku', () => {
  it.each(['MUG', 'MUG-001', 'A'.repeat(64), '---'])('accepts %j', (sku) => {
    expect(checkSku(sku, 'product.sku')).toEqual([]);
  });

  it.each(['', 'MU', 'A'.repeat(65), 'mug-001', 'MUG 001', 'MUG_001', 'MÜG'])('refuses %j', (sku) => {
    expect(fields(checkSku(sku, 'product.sku'))).toEqual(['product.sku']);
  });
});

describe('checkName', () => {
  it('accepts 200 characters counting an emoji as one', () => {
    expect(checkName('🍵'.repeat(200), 'product.name')).toEqual([]);
  });

  it('refuses an empty, blank, too long or multi-line name', () => {
    for (const name of ['', '   ', 'x'.repeat(201), 'a\nb', 'nul\u0000']) {
      expect(fields(checkName(name, 'product.name'))).toEqual(['product.name']);
    }
  });
});

describe('checkDescription', () => {
  it('accepts an empty description and line breaks', () => {
    expect(checkDescription('', 'd')).toEqual([]);
    expect(checkDescription('line one\r\nline two\tend', 'd')).toEqual([]);
  });

  it('refuses more than 5000 characters and NUL', () => {
    expect(checkDescription('x'.repeat(5001), 'd')).toHaveLength(1);
    expect(checkDescription('a\u0000b', 'd')).toHaveLength(1);
  });
});

describe('checkPrice', () => {
  it('accepts a positive amount in an ISO 4217 currency', () => {
    expect(checkPrice({ currencyCode: 'EUR', amountMinor: '1' }, 'product.price')).toEqual([]);
    expect(checkPrice({ currencyCode: 'USD', amountMinor: '9223372036854775807' }, 'product.price')).toEqual([]);
  });

  it('requires a price', () => {
    expect(fields(checkPrice(undefined, 'product.price'))).toEqual(['product.price']);
  });

  it('names each invalid part of the price', () => {
    expect(fields(checkPrice({ currencyCode: 'eur', amountMinor: '0' }, 'product.price'))).toEqual([
      'product.price.currency_code',
      'product.price.amount_minor',
    ]);
    expect(fields(checkPrice({ currencyCode: 'EURO', amountMinor: '-5' }, 'product.price'))).toEqual([
      'product.price.currency_code',
      'product.price.amount_minor',
    ]);
  });
});

describe('checkCategory', () => {
  it.each(['', 'kitchen', 'home & garden', 'x'.repeat(64)])('accepts %j', (category) => {
    expect(checkCategory(category, 'category')).toEqual([]);
  });

  it.each(['Kitchen', 'x'.repeat(65), ' kitchen', 'kitchen\t'])('refuses %j', (category) => {
    expect(fields(checkCategory(category, 'category'))).toEqual(['category']);
  });
});

describe('checkImageUrl', () => {
  it.each(['', 'https://images.shop.example/mug.jpg', `https://x.example/${'a'.repeat(2048 - 18)}`])('accepts %j', (url) => {
    expect(checkImageUrl(url, 'product.image_url')).toEqual([]);
  });

  it.each([
    'http://images.shop.example/mug.jpg',
    'ftp://images.shop.example/mug.jpg',
    '//images.shop.example/mug.jpg',
    'mug.jpg',
    'https://user:secret@images.shop.example/mug.jpg',
    'https://images.shop.example/m ug.jpg',
    'https://images.shop\n.example/mug.jpg',
    'javascript:alert(1)',
    `https://x.example/${'a'.repeat(2048)}`,
  ])('refuses %j', (url) => {
    expect(fields(checkImageUrl(url, 'product.image_url'))).toEqual(['product.image_url']);
  });
});

describe('parseInt64', () => {
  it('reads int64 text and refuses anything else', () => {
    expect(parseInt64('-9223372036854775808')).toBe(-(2n ** 63n));
    expect(parseInt64('9223372036854775808')).toBeUndefined();
    expect(parseInt64('1.5')).toBeUndefined();
    expect(parseInt64('')).toBeUndefined();
  });
});
