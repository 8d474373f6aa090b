import { getExtension, getOption, hasExtension, hasOption, isFieldSet, type DescExtension, type DescField, type Message, type Registry } from '@bufbuild/protobuf';

/** JSON Schema keywords, as the OpenAPI document writes them. */
type Keywords = Record<string, unknown>;

/** PRINTABLE is shop.common.v1.printable as a JSON Schema (ECMA-262) pattern: no U+0000-U+001F, no U+007F. */
export const PRINTABLE_PATTERN = '^[^\\u0000-\\u001F\\u007F]*$';

/**
 * createRuleKeywords reads a field's `buf.validate` rules and returns what
 * JSON Schema can say of them, so the OpenAPI document publishes the rules
 * the gateway and the services enforce: string lengths, patterns, UUIDs
 * and the contracts' printable rule, for a field and for the items of a
 * repeated field, and a repeated field's item counts. A rule JSON Schema
 * cannot state (CEL) is only enforced.
 */
export function createRuleKeywords(registry: Registry): { field(field: DescField): Keywords; items(field: DescField): Keywords } {
  const fieldRules = registry.getExtension('buf.validate.field') as DescExtension | undefined;
  const printable = registry.getExtension('shop.common.v1.printable') as DescExtension | undefined;

  const set = (message: Message, name: string): boolean => {
    const desc = registry.getMessage(message.$typeName);
    const field = desc?.fields.find((f) => f.name === name);
    return field !== undefined && isFieldSet(message, field);
  };

  function stringKeywords(rules: Message & Record<string, unknown>): Keywords {
    const out: Keywords = {};
    if (set(rules, 'min_len')) out['minLength'] = Number(rules['minLen']);
    if (set(rules, 'max_len')) out['maxLength'] = Number(rules['maxLen']);
    if (set(rules, 'pattern')) out['pattern'] = rules['pattern'];
    const wellKnown = rules['wellKnown'] as { case?: string; value?: unknown } | undefined;
    if (wellKnown?.case === 'uuid' && wellKnown.value === true) out['format'] = 'uuid';
    if (printable !== undefined && hasExtension(rules, printable) && getExtension(rules, printable) === true && out['pattern'] === undefined) out['pattern'] = PRINTABLE_PATTERN;
    return out;
  }

  function keywordsOf(rules: (Message & Record<string, unknown>) | undefined): Keywords {
    const type = rules?.['type'] as { case?: string; value?: Message & Record<string, unknown> } | undefined;
    return type?.case === 'string' && type.value !== undefined ? stringKeywords(type.value) : {};
  }

  function rulesOf(field: DescField): (Message & Record<string, unknown>) | undefined {
    if (fieldRules === undefined || !hasOption(field, fieldRules)) return undefined;
    return getOption(field, fieldRules) as Message & Record<string, unknown>;
  }

  return {
    field(field) {
      const rules = rulesOf(field);
      if (field.fieldKind !== 'list') return keywordsOf(rules);
      const type = rules?.['type'] as { case?: string; value?: Message & Record<string, unknown> } | undefined;
      if (type?.case !== 'repeated' || type.value === undefined) return {};
      const out: Keywords = {};
      if (set(type.value, 'min_items')) out['minItems'] = Number(type.value['minItems']);
      if (set(type.value, 'max_items')) out['maxItems'] = Number(type.value['maxItems']);
      if (set(type.value, 'unique') && type.value['unique'] === true) out['uniqueItems'] = true;
      return out;
    },
    items(field) {
      const type = rulesOf(field)?.['type'] as { case?: string; value?: Message & Record<string, unknown> } | undefined;
      return type?.case === 'repeated' ? keywordsOf(type.value?.['items'] as (Message & Record<string, unknown>) | undefined) : {};
    },
  };
}
