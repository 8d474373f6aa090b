import { parseUpdateMask } from './field-mask';

describe('parseUpdateMask', () => {
  it('returns the updatable paths once each, in mask order', () => {
    expect(parseUpdateMask(['price', 'name', 'price', 'image_url'])).toEqual({ paths: ['price', 'name', 'image_url'], violations: [] });
  });

  it('refuses a missing or empty mask', () => {
    expect(parseUpdateMask(undefined).violations).toEqual([{ field: 'update_mask', description: expect.stringContaining('at least one') }]);
    expect(parseUpdateMask([]).violations.map((v) => v.field)).toEqual(['update_mask']);
  });

  it('names immutable and output-only paths by their position and name', () => {
    const { violations } = parseUpdateMask(['name', 'sku', 'version', 'id', 'create_time', 'update_time']);
    expect(violations.map((v) => v.field)).toEqual([
      'update_mask.paths[1]',
      'update_mask.paths[2]',
      'update_mask.paths[3]',
      'update_mask.paths[4]',
      'update_mask.paths[5]',
    ]);
    expect(violations[0]!.description).toContain('"sku" is immutable');
  });

  it('refuses price sub-paths and points to "price"', () => {
    const { violations } = parseUpdateMask(['price.amount_minor']);
    expect(violations).toEqual([{ field: 'update_mask.paths[0]', description: expect.stringContaining('"price"') }]);
  });

  it('refuses unknown paths, including camelCase JSON names and inherited object keys', () => {
    const { paths, violations } = parseUpdateMask(['imageUrl', 'constructor', '*']);
    expect(paths).toEqual([]);
    expect(violations).toHaveLength(3);
    expect(violations[1]!.description).toContain('"constructor" is not a field that can be updated');
  });
});
