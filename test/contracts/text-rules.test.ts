import { create, getExtension, getOption, hasExtension, hasOption, ScalarType, type DescExtension, type DescField, type DescMessage, type Message } from '@bufbuild/protobuf';
import { createValidator } from '@bufbuild/protovalidate';
import { sharedContract } from '@shop/kit';
import { mulberry32 } from '../support/prng';

// Each predefined text rule of shop/common/v1/text_rules.proto is a CEL
// expression (what protovalidate enforces) and states the same rule as a
// JSON Schema pattern (json_pattern, what the OpenAPI document publishes).
// Here both judge the same strings, and must agree on every one.

const { registry } = sharedContract();
const validator = createValidator({ registry });
const fieldRules = registry.getExtension('buf.validate.field') as DescExtension;
const jsonPattern = registry.getExtension('shop.common.v1.json_pattern') as DescExtension;

const predefined: DescExtension[] = [];
for (const type of registry) if (type.kind === 'extension' && type.extendee.typeName === 'buf.validate.StringRules') predefined.push(type);

/** carrier finds a string field of the contract that has the rule, to evaluate it on. */
function carrier(rule: DescExtension): { message: DescMessage; field: DescField } | undefined {
  for (const type of registry) {
    if (type.kind !== 'message') continue;
    for (const field of type.fields) {
      if (field.fieldKind !== 'scalar' || field.scalar !== ScalarType.STRING || !hasOption(field, fieldRules)) continue;
      const rules = getOption(field, fieldRules) as unknown as { type: { case?: string; value?: Message } };
      if (rules.type.case === 'string' && rules.type.value && hasExtension(rules.type.value, rule) && getExtension(rules.type.value, rule) === true) return { message: type, field };
    }
  }
  return undefined;
}

const ALPHABET = ['a', 'Z', '0', '9', '-', '_', '.', '@', ' ', '\t', '\n', '\r', '\f', '\u000b', '\u0000', '\u0007', '\u001f', '\u007f', '\u0085', '\u00a0', 'é', 'Ü', '🍵', '\u202e', '/', ':', '?', '#', '!', '~', '"'];
const random = mulberry32(1100);
const corpus = new Set<string>([
  'MUG-001', 'mug-001', 'AB', 'A'.repeat(64), 'A'.repeat(65), 'ada@example.com', ' Ada@Example.com ', 'a b@x.example', 'ada@example', 'DE', 'de', 'DEU', 'EUR', 'eur', 'kitchen', 'Kitchen', ' kitchen', 'kitchen ',
  'home & garden', 'https://images.shop.example/mug.jpg', 'http://x.example', 'https://user:pw@x.example/', 'https://', 'https://x.example/a b', 'line\nbreak', 'tab\tin', 'key-1', 'has space', '   ', 'x',
]);
for (let i = 0; i < 2_000; i++) {
  const length = 1 + Math.floor(random() * 12);
  corpus.add(Array.from({ length }, () => ALPHABET[Math.floor(random() * ALPHABET.length)]).join(''));
}

describe('the predefined text rules', () => {
  const withPattern = predefined.filter((rule) => hasOption(rule, jsonPattern));

  it('state a JSON pattern for each rule JSON Schema can express', () => {
    expect(withPattern.map((r) => r.name).sort()).toEqual(['category', 'country_code', 'currency_code', 'email_address', 'https_url', 'multiline', 'not_blank', 'printable', 'sku', 'visible_ascii']);
  });

  it.each(withPattern.map((rule) => [rule.name, rule] as const))('%s: the CEL rule and its JSON pattern agree on every string', (_, rule) => {
    const found = carrier(rule);
    expect(found).toBeDefined();
    const { message, field } = found!;
    const pattern = new RegExp(getOption(rule, jsonPattern) as string, 'u');
    const disagreements: string[] = [];
    for (const text of corpus) {
      const result = validator.validate(message, create(message, { [field.localName]: text } as never));
      const broken = result.kind === 'invalid' && result.violations.some((v) => v.ruleId === `string.${rule.name}`);
      if (broken === pattern.test(text)) disagreements.push(JSON.stringify(text));
    }
    expect(disagreements).toEqual([]);
  });
});

describe("the README's rule example", () => {
  it('is a field of the contracts, as written there', () => {
    const { readFileSync, readdirSync } = require('node:fs') as typeof import('node:fs');
    const { join } = require('node:path') as typeof import('node:path');
    const root = join(__dirname, '..', '..');
    const squash = (text: string) => text.replace(/\s+/g, ' ').trim();
    const example = /```proto\n([\s\S]*?)```/.exec(readFileSync(join(root, 'README.md'), 'utf8'))?.[1];
    expect(example).toBeDefined();
    const protos = (readdirSync(join(root, 'proto'), { recursive: true }) as string[]).filter((f) => f.endsWith('.proto')).map((f) => squash(readFileSync(join(root, 'proto', f), 'utf8')));
    expect(protos.some((text) => text.includes(squash(example!)))).toBe(true);
  });
});
