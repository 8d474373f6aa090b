import { ScalarType, type DescField, type DescMessage, type JsonObject, type JsonValue } from '@bufbuild/protobuf';

/** Random is a seeded generator, so a failing case can be replayed. */
export class Random {
  constructor(private seed: number) {}
  next(): number {
    // mulberry32
    this.seed = (this.seed + 0x6d2b79f5) | 0;
    let t = this.seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(max: number): number {
    return Math.floor(this.next() * max);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
}

/** ANY_EXTRA are more Any values to pick from; tests add types their registry has. */
export const ANY_EXTRA: JsonValue[] = [];

const WORDS = ['alpha', 'beta', 'gamma', 'delta', 'omega', 'été', 'naïve', '日本', '🙂', 'a b', 'x"y', 'back\\slash', ''];

function bigIntString(random: Random, signed: boolean, bits: number): string {
  const kind = random.int(5);
  if (kind === 0) return '0';
  if (kind === 1) return signed && random.chance(0.5) ? '-1' : '1';
  if (kind === 2) return signed ? (random.chance(0.5) ? `-${2n ** BigInt(bits - 1)}` : `${2n ** BigInt(bits - 1) - 1n}`) : `${2n ** BigInt(bits) - 1n}`;
  let value = 0n;
  for (let i = 0; i < bits; i += 16) value = (value << 16n) | BigInt(random.int(65536));
  value &= 2n ** BigInt(bits) - 1n;
  if (signed) value = BigInt.asIntN(bits, value);
  return value.toString();
}

function scalar(random: Random, type: ScalarType): JsonValue {
  switch (type) {
    case ScalarType.INT32:
    case ScalarType.SINT32:
    case ScalarType.SFIXED32:
      return Number(bigIntString(random, true, 32));
    case ScalarType.UINT32:
    case ScalarType.FIXED32:
      return Number(bigIntString(random, false, 32));
    case ScalarType.INT64:
    case ScalarType.SINT64:
    case ScalarType.SFIXED64:
      return bigIntString(random, true, 64);
    case ScalarType.UINT64:
    case ScalarType.FIXED64:
      return bigIntString(random, false, 64);
    case ScalarType.FLOAT:
      return random.pick<JsonValue>([0, 1.5, -2.25, 0.1, 3.4e38, 'NaN', 'Infinity', '-Infinity', 1e-40]);
    case ScalarType.DOUBLE:
      return random.pick<JsonValue>([0, -0, 1.5, Math.PI, -1e300, 'NaN', 'Infinity', '-Infinity', 5e-324]);
    case ScalarType.BOOL:
      return random.chance(0.5);
    case ScalarType.STRING:
      return Array.from({ length: random.int(3) }, () => random.pick(WORDS)).join(' ');
    case ScalarType.BYTES:
      return Buffer.from(Array.from({ length: random.int(6) }, () => random.int(256))).toString('base64');
  }
}

function wellKnown(random: Random, typeName: string, depth: number): JsonValue | undefined {
  switch (typeName) {
    case 'google.protobuf.Timestamp': {
      const seconds = random.int(253402300799) - random.int(62135596800);
      const nanos = random.pick([0, 5_000_000, 123_456_000, 987_654_321]);
      return new Date(seconds * 1000).toISOString().replace('.000Z', nanos === 0 ? 'Z' : `.${String(nanos).padStart(9, '0')}Z`);
    }
    case 'google.protobuf.Duration':
      return random.pick(['0s', '1s', '-1.5s', '0.000001s', '315576000000s', '-0.5s', '3600.123456789s']);
    case 'google.protobuf.FieldMask':
      return random.pick(['', 'title', 'title,inner.name', 'maybeI32,innerMap']);
    case 'google.protobuf.Struct':
      return randomStruct(random, depth);
    case 'google.protobuf.Value':
      return randomValue(random, depth);
    case 'google.protobuf.ListValue':
      return Array.from({ length: random.int(3) }, () => randomValue(random, depth + 1));
    case 'google.protobuf.Empty':
      return {};
    case 'google.protobuf.Any':
      return random.pick<JsonValue>([
        { '@type': 'type.googleapis.com/google.protobuf.Timestamp', value: '2024-01-01T00:00:00Z' },
        { '@type': 'type.googleapis.com/google.protobuf.Duration', value: '1.5s' },
        {},
        ...ANY_EXTRA,
      ]);
    case 'google.protobuf.Int32Value':
      return scalar(random, ScalarType.INT32);
    case 'google.protobuf.Int64Value':
      return scalar(random, ScalarType.INT64);
    case 'google.protobuf.StringValue':
      return scalar(random, ScalarType.STRING);
    case 'google.protobuf.BoolValue':
      return scalar(random, ScalarType.BOOL);
    case 'google.protobuf.DoubleValue':
      return scalar(random, ScalarType.DOUBLE);
    case 'google.protobuf.BytesValue':
      return scalar(random, ScalarType.BYTES);
    default:
      return undefined;
  }
}

function randomValue(random: Random, depth: number): JsonValue {
  const kinds = depth > 2 ? 4 : 6;
  switch (random.int(kinds)) {
    case 0:
      return null;
    case 1:
      return random.pick([0, 1, -2.5, 1e21]);
    case 2:
      return random.pick(WORDS);
    case 3:
      return random.chance(0.5);
    case 4:
      return randomStruct(random, depth + 1);
    default:
      return Array.from({ length: random.int(3) }, () => randomValue(random, depth + 1));
  }
}

function randomStruct(random: Random, depth: number): JsonObject {
  const out: JsonObject = {};
  for (let i = random.int(3); i > 0; i--) out[`k${random.int(100)}`] = randomValue(random, depth + 1);
  return out;
}

function element(random: Random, field: DescField, depth: number): JsonValue {
  if (field.message) return randomJson(random, field.message, depth + 1);
  if (field.enum) return random.chance(0.8) ? random.pick(field.enum.values).name : 5 + random.int(5);
  return scalar(random, field.scalar!);
}

/**
 * randomJson makes a random proto3 JSON value for a message type: every
 * field kind, well-known types, edge values (zero, -0, NaN, extremes of
 * 64-bit integers, unknown enum numbers), each field present or not.
 */
export function randomJson(random: Random, desc: DescMessage, depth = 0): JsonValue {
  const wkt = wellKnown(random, desc.typeName, depth);
  if (wkt !== undefined) return wkt;
  const out: JsonObject = {};
  if (depth > 3) return out;
  const oneofsSet = new Set<string>();
  for (const field of desc.fields) {
    if (!random.chance(0.6)) continue;
    if (field.oneof) {
      if (oneofsSet.has(field.oneof.name)) continue;
      oneofsSet.add(field.oneof.name);
    }
    switch (field.fieldKind) {
      case 'list':
        out[field.jsonName] = Array.from({ length: random.int(4) }, () => element(random, field as DescField, depth));
        break;
      case 'map': {
        const map: JsonObject = {};
        for (let i = random.int(3); i > 0; i--) {
          const key = String(scalar(random, field.mapKey));
          map[key] = field.message ? randomJson(random, field.message, depth + 1) : field.enum ? random.pick(field.enum.values).name : scalar(random, field.scalar!);
        }
        out[field.jsonName] = map;
        break;
      }
      default:
        out[field.jsonName] = element(random, field, depth);
    }
  }
  return out;
}
