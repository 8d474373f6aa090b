import { rulesContract } from '../../test/support/test-contract';
import { createRuleKeywords } from './rule-keywords';

const PRINTABLE_PATTERN = '^[^\\u0000-\\u001F\\u007F]*$';

describe('the OpenAPI keywords of buf.validate rules', () => {
  const contract = rulesContract();
  const keywords = createRuleKeywords(contract.registry);
  const ruled = contract.registry.getMessage('gwrules.v1.Ruled')!;
  const field = (name: string) => ruled.fields.find((f) => f.name === name)!;

  it('states string lengths, patterns, UUIDs and the printable rule', () => {
    expect(keywords.field(field('name'))).toEqual({ minLength: 2, maxLength: 40, pattern: PRINTABLE_PATTERN });
    expect(keywords.field(field('code'))).toEqual({ pattern: '^[A-Z]{3}$' });
    expect(keywords.field(field('id'))).toEqual({ format: 'uuid' });
  });

  it('states item counts and uniqueness on a repeated field, and the item rules on its items', () => {
    expect(keywords.field(field('tags'))).toEqual({ minItems: 1, maxItems: 3, uniqueItems: true });
    expect(keywords.items(field('tags'))).toEqual({ maxLength: 8 });
  });

  it('says nothing of a CEL rule, nor of a field without rules', () => {
    expect(keywords.field(field('even'))).toEqual({});
    expect(keywords.field(field('free'))).toEqual({});
    expect(keywords.items(field('free'))).toEqual({});
  });
});
