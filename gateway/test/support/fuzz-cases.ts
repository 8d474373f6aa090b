import { create, getOption, hasOption, isFieldSet, ScalarType, type DescExtension, type DescField, type DescMessage, type Message, type Registry } from '@bufbuild/protobuf';
import { createRuleKeywords } from '../../src/openapi/rule-keywords';

/** FuzzCase is one request: a method's input with one field set to a value at, inside or past its rules. */
export interface FuzzCase {
  /** field is the proto path of the value that was changed, "" for the base request. */
  field: string;
  /** note says what the value is, for a failure's message. */
  note: string;
  message: Message;
}

type Json = Record<string, unknown>;

const INT64 = { min: '-9223372036854775808', max: '9223372036854775807' };
const UINT64_MAX = '18446744073709551615';
const INT32 = { min: -2147483648, max: 2147483647 };

/**
 * createFuzzCases generates requests from the descriptor set: a base request
 * whose every field holds a value its rules accept (the OpenAPI example, or
 * a plain one), then, per field down to nested messages and list items, the
 * same request with that field at, inside and past each of its rules
 * (lengths, ranges, item counts), with NUL and other control characters in
 * every string, int64 and int32 extremes, unknown enum numbers, empty and
 * oversized lists, and the field left out.
 */
export function createFuzzCases(registry: Registry): (input: DescMessage) => FuzzCase[] {
  const keywords = createRuleKeywords(registry);
  const fieldRules = registry.getExtension('buf.validate.field') as DescExtension | undefined;

  const rulesOf = (field: DescField): Json | undefined => (fieldRules !== undefined && hasOption(field, fieldRules) ? (getOption(field, fieldRules) as unknown as Json) : undefined);
  const typeRules = (rules: Json | undefined): { case?: string; value?: Json } => (rules?.['type'] as { case?: string; value?: Json } | undefined) ?? {};
  const num = (rules: Json | undefined, name: string): number | undefined => {
    if (rules === undefined) return undefined;
    const desc = registry.getMessage((rules as unknown as Message).$typeName);
    const f = desc?.fields.find((x) => x.name === name);
    return f !== undefined && isFieldSet(rules as unknown as Message, f) ? Number(rules[name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase())]) : undefined;
  };

  /** good is a value the field's rules accept, in protobuf-es's init form. */
  function good(field: DescField, depth: number): unknown {
    const example = keywords.example(field);
    if (field.fieldKind === 'list') {
      const item = field.listKind === 'message' ? (depth < 3 ? goodMessage(field.message, depth + 1) : undefined) : scalarGood(field, Array.isArray(example) ? example[0] : undefined);
      return item === undefined ? [] : [item];
    }
    if (field.fieldKind === 'map') return {};
    if (field.fieldKind === 'enum') return field.enum.values[1]?.number ?? 0;
    if (field.fieldKind === 'message') {
      const t = field.message.typeName;
      if (t === 'google.protobuf.Duration') return { seconds: 1n, nanos: 0 };
      if (t === 'google.protobuf.Timestamp') return { seconds: BigInt(Math.floor(Date.now() / 1000)), nanos: 0 };
      if (t === 'google.protobuf.FieldMask') return { paths: typeof example === 'string' ? example.split(',').map(snake) : [] };
      if (t.startsWith('google.')) return undefined;
      return depth < 3 ? goodMessage(field.message, depth + 1) : undefined;
    }
    return scalarGood(field, example);
  }

  function scalarGood(field: DescField, example: unknown): unknown {
    switch (field.scalar) {
      case ScalarType.STRING: {
        if (typeof example === 'string') return example;
        const min = num(typeRules(rulesOf(field)).value, 'min_len') ?? 0;
        return 'fuzz'.padEnd(min, 'z');
      }
      case ScalarType.BOOL:
        return false;
      case ScalarType.BYTES:
        return new Uint8Array([1, 2, 3]);
      case ScalarType.INT64:
      case ScalarType.SINT64:
      case ScalarType.SFIXED64:
      case ScalarType.UINT64:
      case ScalarType.FIXED64:
        return BigInt(typeof example === 'string' || typeof example === 'number' ? example : 0);
      default:
        return typeof example === 'number' ? example : 0;
    }
  }

  function goodMessage(desc: DescMessage, depth: number): Json {
    const out: Json = {};
    for (const field of desc.fields) {
      if (field.oneof !== undefined && field !== field.oneof.fields[0]) continue;
      const value = good(field, depth);
      if (value !== undefined) out[field.localName] = value;
    }
    return out;
  }

  /** variants are the values a field is tried with, besides its good one. */
  function variants(field: DescField): Array<[string, unknown]> {
    const rules = rulesOf(field);
    const t = typeRules(rules);
    const out: Array<[string, unknown]> = [['unset', undefined]];
    if (field.fieldKind === 'list') {
      const minItems = num(t.value, 'min_items');
      const maxItems = num(t.value, 'max_items') ?? 100;
      const item = good(field, 1) as unknown[];
      const one = item[0];
      out.push(['no items', []]);
      if (one !== undefined) {
        out.push([`${maxItems} items`, Array.from({ length: maxItems }, () => one)]);
        out.push([`${maxItems + 1} items`, Array.from({ length: maxItems + 1 }, () => one)]);
        if (minItems !== undefined && minItems > 1) out.push([`${minItems - 1} items`, Array.from({ length: minItems - 1 }, () => one)]);
      }
      if (field.listKind === 'scalar' && field.scalar === ScalarType.STRING) for (const [note, v] of stringValues(t.value?.['items'] as Json | undefined)) out.push([`item ${note}`, [v]]);
      return out;
    }
    if (field.fieldKind === 'enum') return [...out, ['enum 0', 0], ['unknown enum number', 99], ['negative enum number', -1]];
    if (field.fieldKind === 'message') {
      if (field.message.typeName === 'google.protobuf.Duration') {
        return [...out, ['0s', { seconds: 0n, nanos: 0 }], ['-1s', { seconds: -1n, nanos: 0 }], ['1ns', { seconds: 0n, nanos: 1 }], ['max duration', { seconds: 315_576_000_000n, nanos: 999_999_999 }], ['bad nanos', { seconds: 1n, nanos: -5 }]];
      }
      if (field.message.typeName === 'google.protobuf.FieldMask') return [...out, ['empty mask', { paths: [] }], ['unknown path', { paths: ['no_such_field'] }], ['nested path', { paths: ['a.b.c'] }], ['NUL path', { paths: ['a\u0000'] }]];
      return [...out, ['empty message', {}]];
    }
    if (field.fieldKind !== 'scalar') return out;
    switch (field.scalar) {
      case ScalarType.STRING:
        return [...out, ...stringValues(t.value)];
      case ScalarType.INT64:
      case ScalarType.SINT64:
      case ScalarType.SFIXED64:
        return [...out, ...intValues(t.value, true).map(([n, v]) => [n, BigInt(v)] as [string, unknown]), ['int64 min', BigInt(INT64.min)], ['int64 max', BigInt(INT64.max)]];
      case ScalarType.UINT64:
      case ScalarType.FIXED64:
        return [...out, ['uint64 max', BigInt(UINT64_MAX)], ['0', 0n]];
      case ScalarType.INT32:
      case ScalarType.SINT32:
      case ScalarType.SFIXED32:
        return [...out, ...intValues(t.value, false), ['int32 min', INT32.min], ['int32 max', INT32.max]];
      case ScalarType.UINT32:
      case ScalarType.FIXED32:
        return [...out, ['uint32 max', 4294967295]];
      case ScalarType.BOOL:
        return [...out, ['true', true]];
      case ScalarType.DOUBLE:
      case ScalarType.FLOAT:
        return [...out, ['NaN', Number.NaN], ['Infinity', Number.POSITIVE_INFINITY], ['-0', -0], ['1e308', 1e308]];
      default:
        return out;
    }
  }

  function stringValues(rules: Json | undefined): Array<[string, unknown]> {
    const min = num(rules, 'min_len');
    const max = num(rules, 'max_len');
    const out: Array<[string, unknown]> = [
      ['empty', ''],
      ['NUL', 'a\u0000b'],
      ['only NUL', '\u0000'],
      ['BEL', 'a\u0007b'],
      ['line break', 'a\nb'],
      ['tab', 'a\tb'],
      ['DEL', 'a\u007fb'],
      ['C1 control', 'a\u0085b'],
      ['spaces only', '   '],
      ['unicode', 'Zürich 🍵 \u202e'],
      ['noncharacter', '\uffff'],
      ['SQL', "'; DROP TABLE x; --"],
      ['percent', '%00%zz'],
      ['path', '../../etc/passwd'],
    ];
    if (max !== undefined) {
      out.push([`${max} characters`, 'x'.repeat(max)]);
      out.push([`${max} two-byte characters`, 'é'.repeat(max)]);
      out.push([`${max} astral characters`, '🍵'.repeat(max)]);
      out.push([`${max + 1} characters`, 'x'.repeat(max + 1)]);
    } else {
      out.push(['10000 characters', 'x'.repeat(10_000)]);
    }
    if (min !== undefined && min > 0) {
      out.push([`${min} characters`, 'x1'.repeat(min).slice(0, min)]);
      out.push([`${min - 1} characters`, 'x1'.repeat(min).slice(0, min - 1)]);
    }
    return out;
  }

  function intValues(rules: Json | undefined, wide: boolean): Array<[string, string | number]> {
    const out: Array<[string, string | number]> = [['0', 0], ['-1', -1], ['1', 1]];
    const greater = rules?.['greaterThan'] as { case?: string; value?: unknown } | undefined;
    const less = rules?.['lessThan'] as { case?: string; value?: unknown } | undefined;
    for (const bound of [greater, less]) {
      if (bound?.value === undefined) continue;
      const b = BigInt(bound.value as bigint | number);
      for (const d of [-1n, 0n, 1n]) out.push([`${bound.case} ${b} ${d >= 0n ? '+' : ''}${d}`, wide ? String(b + d) : Number(b + d)]);
    }
    return out;
  }

  /** paths lists the fields to vary: top-level ones, and those of message fields and list items below them. */
  function fieldsOf(desc: DescMessage, prefix: string, depth: number, base: Json): Array<{ path: string; field: DescField; holder: Json }> {
    const out: Array<{ path: string; field: DescField; holder: Json }> = [];
    for (const field of desc.fields) {
      const path = prefix + field.name;
      out.push({ path, field, holder: base });
      if (depth >= 2 || field.message === undefined || field.message.typeName.startsWith('google.')) continue;
      if (field.fieldKind === 'message' && base[field.localName] !== undefined) out.push(...fieldsOf(field.message, `${path}.`, depth + 1, base[field.localName] as Json));
      if (field.fieldKind === 'list' && Array.isArray(base[field.localName]) && (base[field.localName] as unknown[]).length > 0) {
        out.push(...fieldsOf(field.message, `${path}[0].`, depth + 1, (base[field.localName] as Json[])[0]!));
      }
    }
    return out;
  }

  return (input) => {
    const cases: FuzzCase[] = [{ field: '', note: 'base', message: create(input, goodMessage(input, 0) as never) }];
    // Each variant is applied to a fresh copy of the base, at the field's place in it.
    const base = goodMessage(input, 0);
    for (const { path, field, holder } of fieldsOf(input, '', 0, base)) {
      for (const [note, value] of variants(field)) {
        const saved = holder[field.localName];
        if (value === undefined) delete holder[field.localName];
        else holder[field.localName] = value;
        try {
          cases.push({ field: path, note, message: create(input, structuredClone(base) as never) });
        } catch {
          // A value protobuf-es cannot hold for the field (out of its type's range) is not a request a client can send.
        } finally {
          if (saved === undefined) delete holder[field.localName];
          else holder[field.localName] = saved;
        }
      }
    }
    return cases;
  };
}

function snake(path: string): string {
  return path.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}
