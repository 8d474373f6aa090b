import { parseUpdateMask } from './update-mask';

describe('parseUpdateMask', () => {
  it('accepts display_name', () => {
    expect(parseUpdateMask(['display_name'])).toEqual({ fields: new Set(['display_name']), violations: [] });
  });

  it('reads "*" as every field the caller may change', () => {
    expect(parseUpdateMask(['*']).fields).toEqual(new Set(['display_name']));
  });

  it('requires at least one path', () => {
    expect(parseUpdateMask([]).violations).toEqual([{ field: 'update_mask', description: expect.stringMatching(/must name/) }]);
    expect(parseUpdateMask(undefined).violations).toHaveLength(1);
  });

  it('names an immutable path', () => {
    expect(parseUpdateMask(['display_name', 'email']).violations).toEqual([
      { field: 'update_mask.paths[1]', description: '"email" cannot be changed; only "display_name" may be updated' },
    ]);
  });

  it('names an unknown path', () => {
    expect(parseUpdateMask(['nickname']).violations).toEqual([
      { field: 'update_mask.paths[0]', description: '"nickname" is not a field of User; only "display_name" may be updated' },
    ]);
  });
});
