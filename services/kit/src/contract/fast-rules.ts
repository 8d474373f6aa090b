import { getExtension, getOption, hasExtension, hasOption, isFieldSet, ScalarType, type DescExtension, type DescField, type DescMessage, type Message, type Registry } from '@bufbuild/protobuf';

/**
 * FastCheck says of a decoded request (the services' ts-proto object:
 * int64 as bigint, enums as their value names, unset messages undefined; a
 * field left out of the object counts as its zero value)
 * whether it certainly keeps the contract's rules. It answers true only
 * when protovalidate would find no violation; false means "ask
 * protovalidate", which then names the violations.
 */
export type FastCheck = (request: unknown) => boolean;

/**
 * The rules a fast check evaluates in plain JavaScript, with the same
 * meaning as protovalidate's: string lengths in code points, UUIDs, the
 * contracts' predefined text rules through their JSON patterns (which
 * test/contracts/text-rules.test.ts holds to the CEL rules' verdicts),
 * integer ranges, defined enums, required fields, item counts and unique
 * items, nested messages. A message with any other rule (CEL, patterns,
 * durations, ...) gets no fast check and is always checked by protovalidate.
 * Measured in BENCHMARKS.md: protovalidate and the second, protobuf-es
 * decoding it needs cost ~2 µs a call, 8-10 points of the runtime's paired
 * throughput on GetStock; test/contracts/fast-rules.test.ts holds every
 * fast "true" to protovalidate's verdict on the contract-driven fuzz cases.
 */
export function compileFastCheck(registry: Registry, desc: DescMessage): FastCheck | undefined {
  const fieldRules = registry.getExtension('buf.validate.field') as DescExtension | undefined;
  const messageRules = registry.getExtension('buf.validate.message') as DescExtension | undefined;
  const oneofRules = registry.getExtension('buf.validate.oneof') as DescExtension | undefined;
  const jsonPattern = registry.getExtension('shop.common.v1.json_pattern') as DescExtension | undefined;
  const predefined: DescExtension[] = [];
  for (const type of registry) if (type.kind === 'extension' && type.extendee.typeName === 'buf.validate.StringRules') predefined.push(type);
  const compiled = new Map<string, FastCheck | null>();

  /** only tells whether rules set nothing but the named fields. */
  const only = (rules: Message, allowed: readonly string[]): boolean => {
    const rulesDesc = registry.getMessage(rules.$typeName);
    return rulesDesc !== undefined && rulesDesc.fields.every((f) => allowed.includes(f.name) || !isFieldSet(rules, f));
  };
  const value = (rules: Message, name: string): unknown => {
    const f = registry.getMessage(rules.$typeName)?.fields.find((x) => x.name === name);
    if (f === undefined || !isFieldSet(rules, f)) return undefined;
    const holder = rules as unknown as Record<string, unknown>;
    if (f.oneof === undefined) return holder[f.localName];
    const chosen = holder[f.oneof.localName] as { case?: string; value?: unknown };
    return chosen.case === f.localName ? chosen.value : undefined;
  };

  function stringCheck(rules: Message): ((s: string) => boolean) | undefined {
    if (!only(rules, ['min_len', 'max_len', 'uuid'])) return undefined;
    const min = value(rules, 'min_len') as bigint | undefined;
    const max = value(rules, 'max_len') as bigint | undefined;
    const tests: RegExp[] = [];
    if (value(rules, 'uuid') === true) tests.push(/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/);
    for (const ext of predefined) {
      if (!hasExtension(rules, ext)) continue;
      if (getExtension(rules, ext) !== true) continue;
      if (jsonPattern === undefined || !hasOption(ext, jsonPattern)) return undefined;
      tests.push(new RegExp(getOption(ext, jsonPattern) as string, 'u'));
    }
    return (s) => {
      if (typeof s !== 'string') return false;
      if (max !== undefined && s.length > Number(max) && codePoints(s) > Number(max)) return false;
      if (min !== undefined && codePoints(s) < Number(min)) return false;
      for (const test of tests) if (!test.test(s)) return false;
      return true;
    };
  }

  function intCheck(rules: Message, wide: boolean): ((v: unknown) => boolean) | undefined {
    if (!only(rules, ['gte', 'gt', 'lte', 'lt'])) return undefined;
    const bound = (name: string) => {
      const v = value(rules, name);
      return v === undefined ? undefined : BigInt(v as number | bigint);
    };
    const [gte, gt, lte, lt] = [bound('gte'), bound('gt'), bound('lte'), bound('lt')];
    return (v) => {
      if (wide ? typeof v !== 'bigint' : typeof v !== 'number' || !Number.isInteger(v)) return false;
      const n = wide ? (v as bigint) : BigInt(v as number);
      return (gte === undefined || n >= gte) && (gt === undefined || n > gt) && (lte === undefined || n <= lte) && (lt === undefined || n < lt);
    };
  }

  /** scalarCheck compiles a field's (or list item's) type rules; undefined when unsupported. */
  function typeCheck(field: DescField, type: { case?: string; value?: Message }): ((v: unknown) => boolean) | undefined {
    switch (type.case) {
      case undefined:
        return () => true;
      case 'string':
        return type.value && stringCheck(type.value) as ((v: unknown) => boolean) | undefined;
      case 'int32':
      case 'sint32':
      case 'sfixed32':
      case 'uint32':
      case 'fixed32':
        return type.value && intCheck(type.value, false);
      case 'int64':
      case 'sint64':
      case 'sfixed64':
      case 'uint64':
      case 'fixed64':
        return type.value && intCheck(type.value, true);
      case 'enum': {
        if (!type.value || !only(type.value, ['defined_only']) || field.enum === undefined) return undefined;
        // A value the decoder did not know is "UNRECOGNIZED", which no enum defines: protovalidate names it.
        const names = new Set(field.enum.values.map((v) => v.name));
        return value(type.value, 'defined_only') === true ? (v) => names.has(v as string) : () => true;
      }
      default:
        return undefined;
    }
  }

  function fieldCheck(field: DescField): ((holder: Record<string, unknown>) => boolean) | undefined {
    const rules = fieldRules !== undefined && hasOption(field, fieldRules) ? (getOption(field, fieldRules) as Message) : undefined;
    const key = field.localName;
    const nested = field.message !== undefined && (field.fieldKind === 'message' || field.fieldKind === 'list') ? check(field.message) : () => true;
    if (nested === undefined) return undefined;
    if (rules === undefined) {
      if (field.message === undefined || field.message.typeName.startsWith('google.protobuf.')) return () => true;
      if (field.fieldKind === 'message') return (h) => h[key] === undefined || nested(h[key]);
      if (field.fieldKind === 'list') return (h) => ((h[key] as unknown[] | undefined) ?? []).every((item) => nested(item));
      return field.fieldKind === 'map' ? () => true : undefined;
    }
    if (!only(rules, ['required', 'ignore', 'string', 'int32', 'int64', 'uint32', 'uint64', 'sint32', 'sint64', 'fixed32', 'fixed64', 'sfixed32', 'sfixed64', 'enum', 'repeated'])) return undefined;
    const required = value(rules, 'required') === true;
    const ignore = value(rules, 'ignore') as number | undefined;
    if (ignore !== undefined && ignore !== 0 && ignore !== 1) return undefined;
    const ignoreZero = ignore === 1;
    const type = (rules as unknown as { type: { case?: string; value?: Message } }).type;
    if (field.fieldKind === 'list') {
      if (type.case !== undefined && type.case !== 'repeated') return undefined;
      const repeated = type.value;
      if (repeated !== undefined && !only(repeated, ['min_items', 'max_items', 'unique', 'items'])) return undefined;
      const minItems = repeated && (value(repeated, 'min_items') as bigint | undefined);
      const maxItems = repeated && (value(repeated, 'max_items') as bigint | undefined);
      const unique = repeated !== undefined && value(repeated, 'unique') === true;
      const itemRules = repeated && (value(repeated, 'items') as Message | undefined);
      let item: ((v: unknown) => boolean) | undefined = () => true;
      if (itemRules !== undefined) {
        if (!only(itemRules, ['string', 'int32', 'int64', 'enum'])) return undefined;
        item = typeCheck(field, (itemRules as unknown as { type: { case?: string; value?: Message } }).type);
      }
      if (item === undefined || (unique && field.message !== undefined)) return undefined;
      const itemCheck = item;
      return (h) => {
        const list = (h[key] as unknown[] | undefined) ?? [];
        if (required && list.length === 0) return false;
        if (ignoreZero && list.length === 0) return true;
        if (minItems !== undefined && list.length < Number(minItems)) return false;
        if (maxItems !== undefined && list.length > Number(maxItems)) return false;
        if (unique && new Set(list as string[]).size !== list.length) return false;
        for (const v of list) if (!itemCheck(v) || !nested(v)) return false;
        return true;
      };
    }
    if (field.fieldKind === 'message') {
      if (type.case !== undefined) return undefined;
      if (field.message.typeName.startsWith('google.protobuf.') && !required) return undefined;
      return (h) => (h[key] === undefined ? !required : nested(h[key]));
    }
    if (field.fieldKind === 'map') return undefined;
    const scalar = typeCheck(field, type);
    if (scalar === undefined) return undefined;
    const explicit = field.presence !== 2; // IMPLICIT is 2: proto3 scalars without `optional`
    const zero = (v: unknown) => v === undefined || v === '' || v === 0 || v === '0' || v === false;
    // A field left out of the object is at its zero value, as in a decoded message.
    const zeroValue = explicit ? undefined : zeroOf(field);
    return (h) => {
      const v = h[key] ?? zeroValue;
      if (explicit && v === undefined) return !required;
      if (required && zero(v)) return false;
      if (ignoreZero && zero(v)) return true;
      return scalar(v);
    };
  }

  function check(message: DescMessage): FastCheck | undefined {
    const known = compiled.get(message.typeName);
    if (known !== undefined) return known ?? undefined;
    if (compiled.has(message.typeName)) return () => true; // being compiled: a recursive type, checked where it was met
    compiled.set(message.typeName, undefined as never);
    const result = compileMessage(message);
    compiled.set(message.typeName, result ?? null);
    return result;
  }

  function compileMessage(message: DescMessage): FastCheck | undefined {
    if (messageRules !== undefined && hasOption(message, messageRules)) return undefined;
    if (oneofRules !== undefined && message.oneofs.some((o) => hasOption(o, oneofRules))) return undefined;
    if (message.typeName.startsWith('google.protobuf.')) return () => true;
    const checks: Array<(h: Record<string, unknown>) => boolean> = [];
    for (const field of message.fields) {
      if (field.oneof !== undefined) {
        if (fieldRules !== undefined && hasOption(field, fieldRules)) return undefined;
        continue;
      }
      const c = fieldCheck(field);
      if (c === undefined) return undefined;
      checks.push(c);
    }
    return (request) => {
      if (typeof request !== 'object' || request === null) return false;
      for (const c of checks) if (!c(request as Record<string, unknown>)) return false;
      return true;
    };
  }

  return check(desc);
}

/** zeroOf is an implicit-presence scalar's zero value in the services' decoded form (int64 as bigint, an enum as its value name). */
function zeroOf(field: DescField): unknown {
  if (field.fieldKind === 'enum') return field.enum.values.find((v) => v.number === 0)?.name ?? 0;
  switch (field.scalar) {
    case ScalarType.STRING:
      return '';
    case ScalarType.BOOL:
      return false;
    case ScalarType.BYTES:
      return new Uint8Array();
    case ScalarType.INT64:
    case ScalarType.UINT64:
    case ScalarType.SINT64:
    case ScalarType.FIXED64:
    case ScalarType.SFIXED64:
      return 0n;
    default:
      return 0;
  }
}

function codePoints(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    n++;
  }
  return n;
}
