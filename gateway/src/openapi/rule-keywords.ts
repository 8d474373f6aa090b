import { getExtension, getOption, hasExtension, hasOption, isFieldSet, ScalarType, type DescExtension, type DescField, type JsonValue, type Message, type Registry } from '@bufbuild/protobuf';

/** JSON Schema keywords, as the OpenAPI document writes them. */
type Keywords = Record<string, unknown>;

type Rules = Message & Record<string, unknown>;

/** NUMERIC_RULES are the buf.validate rule messages of the integer and floating-point scalars. */
const NUMERIC_RULES: ReadonlySet<string> = new Set(['int32', 'int64', 'uint32', 'uint64', 'sint32', 'sint64', 'fixed32', 'fixed64', 'sfixed32', 'sfixed64', 'float', 'double']);

/** INT64_TYPES are the scalars whose proto3 JSON form is a decimal string (a JSON number is accepted too). */
const INT64_TYPES: ReadonlySet<ScalarType> = new Set([ScalarType.INT64, ScalarType.UINT64, ScalarType.SINT64, ScalarType.FIXED64, ScalarType.SFIXED64]);

/** EXAMPLE_UUID is the example of a UUID field without one of its own. */
const EXAMPLE_UUID = '3fa85f64-5717-4562-b3fc-2c963f66afa6';

/**
 * createRuleKeywords reads a field's `buf.validate` rules and returns what
 * JSON Schema can say of them, so the OpenAPI document publishes the rules
 * the gateway and the services enforce: string lengths, patterns, UUIDs and
 * the contracts' predefined rules (each states its JSON Schema pattern with
 * the shop.common.v1.json_pattern option), numeric ranges, and a repeated
 * field's item counts. A rule JSON Schema cannot state (CEL) is only
 * enforced. example gives a value the rules accept (the default "Try it out"
 * fills in): the field's shop.common.v1.example, else its predefined rule's,
 * else one made from its rules.
 */
export function createRuleKeywords(registry: Registry): {
  field(field: DescField): Keywords;
  items(field: DescField): Keywords;
  example(field: DescField): JsonValue | undefined;
} {
  const fieldRules = registry.getExtension('buf.validate.field') as DescExtension | undefined;
  const jsonPattern = registry.getExtension('shop.common.v1.json_pattern') as DescExtension | undefined;
  const exampleOption = registry.getExtension('shop.common.v1.example') as DescExtension | undefined;
  const predefined: DescExtension[] = [];
  for (const type of registry) {
    if (type.kind === 'extension' && type.extendee.typeName === 'buf.validate.StringRules') predefined.push(type);
  }

  const set = (message: Message, name: string): boolean => {
    const desc = registry.getMessage(message.$typeName);
    const field = desc?.fields.find((f) => f.name === name);
    return field !== undefined && isFieldSet(message, field);
  };
  const option = (element: DescField | DescExtension, ext: DescExtension | undefined): string | undefined =>
    ext !== undefined && hasOption(element, ext) ? (getOption(element, ext) as string) : undefined;

  /** predefinedSet lists the contracts' predefined string rules that rules turn on. */
  function predefinedSet(rules: Rules): DescExtension[] {
    return predefined.filter((ext) => hasExtension(rules, ext) && getExtension(rules, ext) === true);
  }

  function stringKeywords(rules: Rules): Keywords {
    const out: Keywords = {};
    if (set(rules, 'min_len')) out['minLength'] = Number(rules['minLen']);
    if (set(rules, 'max_len')) out['maxLength'] = Number(rules['maxLen']);
    const patterns: string[] = [];
    if (set(rules, 'pattern')) patterns.push(rules['pattern'] as string);
    const wellKnown = rules['wellKnown'] as { case?: string; value?: unknown } | undefined;
    if (wellKnown?.case === 'uuid' && wellKnown.value === true) out['format'] = 'uuid';
    for (const ext of predefinedSet(rules)) {
      const pattern = option(ext, jsonPattern);
      if (pattern !== undefined) patterns.push(pattern);
    }
    // One pattern per schema: a second one is added as allOf, so every one applies.
    if (patterns.length > 0) out['pattern'] = patterns[0];
    if (patterns.length > 1) out['allOf'] = patterns.slice(1).map((pattern) => ({ pattern }));
    return out;
  }

  function numericKeywords(rules: Rules): Keywords {
    const out: Keywords = {};
    // protovalidate keeps gt/gte in the oneof greater_than and lt/lte in less_than.
    const greater = rules['greaterThan'] as { case?: string; value?: unknown } | undefined;
    const less = rules['lessThan'] as { case?: string; value?: unknown } | undefined;
    if (greater?.case === 'gte') out['minimum'] = Number(greater.value);
    if (greater?.case === 'gt') out['exclusiveMinimum'] = Number(greater.value);
    if (less?.case === 'lte') out['maximum'] = Number(less.value);
    if (less?.case === 'lt') out['exclusiveMaximum'] = Number(less.value);
    return out;
  }

  function keywordsOf(rules: Rules | undefined): Keywords {
    const type = rules?.['type'] as { case?: string; value?: Rules } | undefined;
    if (type?.value === undefined || type.case === undefined) return {};
    if (type.case === 'string') return stringKeywords(type.value);
    if (NUMERIC_RULES.has(type.case)) return numericKeywords(type.value);
    return {};
  }

  function rulesOf(field: DescField): Rules | undefined {
    if (fieldRules === undefined || !hasOption(field, fieldRules)) return undefined;
    return getOption(field, fieldRules) as Rules;
  }

  function typed(field: DescField, text: string): JsonValue {
    switch (field.scalar) {
      case ScalarType.BOOL:
        return text === 'true';
      case ScalarType.INT32:
      case ScalarType.UINT32:
      case ScalarType.SINT32:
      case ScalarType.FIXED32:
      case ScalarType.SFIXED32:
      case ScalarType.FLOAT:
      case ScalarType.DOUBLE:
        return Number(text);
      default:
        return text;
    }
  }

  /** madeExample is a value made from a scalar field's rules: the first predefined rule's example, a UUID, the lower bound of a range. */
  function madeExample(field: DescField, rules: Rules | undefined): JsonValue | undefined {
    const type = rules?.['type'] as { case?: string; value?: Rules } | undefined;
    if (type?.case === 'string' && type.value !== undefined) {
      for (const ext of predefinedSet(type.value)) {
        const example = option(ext, exampleOption);
        if (example !== undefined) return example;
      }
      const wellKnown = type.value['wellKnown'] as { case?: string; value?: unknown } | undefined;
      if (wellKnown?.case === 'uuid') return EXAMPLE_UUID;
      return undefined;
    }
    if (type?.case !== undefined && NUMERIC_RULES.has(type.case) && field.scalar !== undefined) {
      const range = numericKeywords(type.value!);
      const low = (range['minimum'] as number | undefined) ?? (range['exclusiveMinimum'] !== undefined ? (range['exclusiveMinimum'] as number) + 1 : undefined);
      const value = low ?? (range['maximum'] !== undefined ? Math.min(0, range['maximum'] as number) : undefined);
      if (value === undefined) return undefined;
      return INT64_TYPES.has(field.scalar) ? String(value) : value;
    }
    return undefined;
  }

  return {
    field(field) {
      const rules = rulesOf(field);
      if (field.fieldKind !== 'list') return keywordsOf(rules);
      const type = rules?.['type'] as { case?: string; value?: Rules } | undefined;
      if (type?.case !== 'repeated' || type.value === undefined) return {};
      const out: Keywords = {};
      if (set(type.value, 'min_items')) out['minItems'] = Number(type.value['minItems']);
      if (set(type.value, 'max_items')) out['maxItems'] = Number(type.value['maxItems']);
      if (set(type.value, 'unique') && type.value['unique'] === true) out['uniqueItems'] = true;
      return out;
    },
    items(field) {
      const type = rulesOf(field)?.['type'] as { case?: string; value?: Rules } | undefined;
      return type?.case === 'repeated' ? keywordsOf(type.value?.['items'] as Rules | undefined) : {};
    },
    example(field) {
      const own = option(field, exampleOption);
      // A message field whose JSON form is a string (a FieldMask, a Duration) takes its example as written.
      if (field.fieldKind === 'message') return own === '' ? undefined : own;
      if (field.fieldKind !== 'scalar' && field.fieldKind !== 'list') return undefined;
      if (field.scalar === undefined) return undefined;
      // A list's example names one item: the list of it.
      if (own !== undefined) return own === '' ? undefined : field.fieldKind === 'list' ? [typed(field, own)] : typed(field, own);
      const rules = rulesOf(field);
      // A 64-bit integer without one would get a random string of digits from a sample generator, likely out of range.
      if (field.fieldKind === 'scalar') return madeExample(field, rules) ?? (INT64_TYPES.has(field.scalar) ? '0' : undefined);
      const type = rules?.['type'] as { case?: string; value?: Rules } | undefined;
      const item = type?.case === 'repeated' ? madeExample(field, type.value?.['items'] as Rules | undefined) : undefined;
      return item === undefined ? undefined : [item];
    },
  };
}
