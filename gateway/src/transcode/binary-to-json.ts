import { fromBinary, ScalarType, toJson, type DescEnum, type DescField, type DescMessage, type JsonValue, type Registry } from '@bufbuild/protobuf';
import { protoCamelCase, protoSnakeCase } from '@bufbuild/protobuf/reflect';

/**
 * binary-to-json turns a binary message straight into its canonical proto3
 * JSON value, without building the protobuf-es message first. Each message
 * type gets a table of field readers the first time it is seen. The output
 * equals protobuf-es's toJson(fromBinary(...)) value for value (keys may come
 * in wire order rather than declaration order); json-codec.test.ts checks
 * that on every field kind. Anything unusual (groups, a wire type that does
 * not fit the field, a well-known type repeated on the wire) falls back to
 * protobuf-es, which is the reference.
 *
 * Measured on GetProductResponse (with JSON.stringify) it takes half to
 * three quarters of protobuf-es's time
 * (BENCHMARKS.md, "REST gateway").
 */

/** JsonObject is a JSON object under construction. */
type JsonObject = { [key: string]: JsonValue };

class Fallback extends Error {}

class Reader {
  pos: number;
  constructor(
    readonly buf: Buffer,
    start: number,
  ) {
    this.pos = start;
  }

  /** varint reads up to 10 bytes and returns the low 32 bits as an unsigned number. */
  varint(): number {
    const buf = this.buf;
    let b = buf[this.pos++];
    let value = b & 0x7f;
    if (b < 0x80) return value;
    b = buf[this.pos++];
    value |= (b & 0x7f) << 7;
    if (b < 0x80) return value;
    b = buf[this.pos++];
    value |= (b & 0x7f) << 14;
    if (b < 0x80) return value;
    b = buf[this.pos++];
    value |= (b & 0x7f) << 21;
    if (b < 0x80) return value;
    b = buf[this.pos++];
    value = (value | ((b & 0x0f) << 28)) >>> 0;
    if (b < 0x80) return value;
    // The upper bits of a negative int32 and of 64-bit values beyond 32 bits are dropped.
    for (let i = 0; i < 5; i++) if (buf[this.pos++] < 0x80) return value;
    throw new Fallback('varint too long');
  }

  lo = 0;
  hi = 0;

  /** varint64 reads a varint into lo and hi (unsigned 32-bit halves). */
  varint64(): void {
    const buf = this.buf;
    let lo = 0;
    let hi = 0;
    let b = 0;
    for (let shift = 0; shift < 28; shift += 7) {
      b = buf[this.pos++];
      lo |= (b & 0x7f) << shift;
      if (b < 0x80) {
        this.lo = lo >>> 0;
        this.hi = 0;
        return;
      }
    }
    b = buf[this.pos++];
    lo |= (b & 0x0f) << 28;
    hi = (b & 0x70) >> 4;
    if (b < 0x80) {
      this.lo = lo >>> 0;
      this.hi = hi;
      return;
    }
    for (let shift = 3; shift <= 31; shift += 7) {
      b = buf[this.pos++];
      hi |= (b & 0x7f) << shift;
      if (b < 0x80) {
        this.lo = lo >>> 0;
        this.hi = hi >>> 0;
        return;
      }
    }
    throw new Fallback('varint64 too long');
  }

  fixed32(): number {
    const value = this.buf.readUInt32LE(this.pos);
    this.pos += 4;
    return value;
  }

  fixed64(): void {
    this.lo = this.buf.readUInt32LE(this.pos);
    this.hi = this.buf.readUInt32LE(this.pos + 4);
    this.pos += 8;
  }

  skip(wireType: number): void {
    switch (wireType) {
      case 0:
        this.varint();
        return;
      case 1:
        this.pos += 8;
        return;
      case 2: {
        const length = this.varint();
        this.pos += length;
        return;
      }
      case 5:
        this.pos += 4;
        return;
      default:
        throw new Fallback(`wire type ${wireType}`);
    }
  }
}

const TWO_32 = 4294967296;

function uint64String(lo: number, hi: number): string {
  if (hi === 0) return String(lo);
  if (hi < 0x200000) return String(hi * TWO_32 + lo);
  return ((BigInt(hi) << 32n) | BigInt(lo)).toString();
}

function int64String(lo: number, hi: number): string {
  if ((hi & 0x80000000) === 0) return uint64String(lo, hi);
  const notHi = ~hi >>> 0;
  if (notHi < 0x200000) return String(-(notHi * TWO_32 + (~lo >>> 0) + 1));
  return BigInt.asIntN(64, (BigInt(hi) << 32n) | BigInt(lo)).toString();
}

function zigzag64String(lo: number, hi: number): string {
  const negative = lo & 1;
  let l = ((lo >>> 1) | (hi << 31)) >>> 0;
  let h = hi >>> 1;
  if (negative) {
    l = ~l >>> 0;
    h = ~h >>> 0;
  }
  return int64String(l, h);
}

function floatJson(value: number): JsonValue {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return 'Infinity';
  if (value === -Infinity) return '-Infinity';
  return value;
}

type ValueReader = (r: Reader) => JsonValue;

/** Wire type of each scalar, and a reader of one value. */
function scalarReader(type: ScalarType): { wireType: number; read: ValueReader } {
  switch (type) {
    case ScalarType.INT32:
      return { wireType: 0, read: (r) => r.varint() | 0 };
    case ScalarType.UINT32:
      return { wireType: 0, read: (r) => r.varint() };
    case ScalarType.SINT32:
      return {
        wireType: 0,
        read: (r) => {
          const n = r.varint();
          return (n >>> 1) ^ -(n & 1);
        },
      };
    case ScalarType.INT64:
      return {
        wireType: 0,
        read: (r) => {
          r.varint64();
          return int64String(r.lo, r.hi);
        },
      };
    case ScalarType.UINT64:
      return {
        wireType: 0,
        read: (r) => {
          r.varint64();
          return uint64String(r.lo, r.hi);
        },
      };
    case ScalarType.SINT64:
      return {
        wireType: 0,
        read: (r) => {
          r.varint64();
          return zigzag64String(r.lo, r.hi);
        },
      };
    case ScalarType.BOOL:
      return {
        wireType: 0,
        read: (r) => {
          r.varint64();
          return r.lo !== 0 || r.hi !== 0;
        },
      };
    case ScalarType.FIXED32:
      return { wireType: 5, read: (r) => r.fixed32() };
    case ScalarType.SFIXED32:
      return { wireType: 5, read: (r) => r.fixed32() | 0 };
    case ScalarType.FLOAT:
      return {
        wireType: 5,
        read: (r) => {
          const value = r.buf.readFloatLE(r.pos);
          r.pos += 4;
          return floatJson(value);
        },
      };
    case ScalarType.FIXED64:
      return {
        wireType: 1,
        read: (r) => {
          r.fixed64();
          return uint64String(r.lo, r.hi);
        },
      };
    case ScalarType.SFIXED64:
      return {
        wireType: 1,
        read: (r) => {
          r.fixed64();
          return int64String(r.lo, r.hi);
        },
      };
    case ScalarType.DOUBLE:
      return {
        wireType: 1,
        read: (r) => {
          const value = r.buf.readDoubleLE(r.pos);
          r.pos += 8;
          return floatJson(value);
        },
      };
    case ScalarType.STRING:
      return {
        wireType: 2,
        read: (r) => {
          const length = r.varint();
          const start = r.pos;
          r.pos += length;
          if (r.pos > r.buf.length) throw new Fallback('truncated');
          return r.buf.toString('utf8', start, r.pos);
        },
      };
    case ScalarType.BYTES:
      return {
        wireType: 2,
        read: (r) => {
          const length = r.varint();
          const start = r.pos;
          r.pos += length;
          if (r.pos > r.buf.length) throw new Fallback('truncated');
          return r.buf.toString('base64', start, r.pos);
        },
      };
  }
}

/** isZero tells whether a value read for an implicit-presence field is the zero value (omitted from JSON). */
function zeroCheck(type: ScalarType): (value: JsonValue) => boolean {
  switch (type) {
    case ScalarType.FLOAT:
    case ScalarType.DOUBLE:
      // -0 is not the zero value: protobuf-es keeps it, so do we.
      return (v) => Object.is(v, 0);
    case ScalarType.INT64:
    case ScalarType.UINT64:
    case ScalarType.SINT64:
    case ScalarType.FIXED64:
    case ScalarType.SFIXED64:
      return (v) => v === '0';
    case ScalarType.BOOL:
      return (v) => v === false;
    case ScalarType.STRING:
    case ScalarType.BYTES:
      return (v) => v === '';
    default:
      return (v) => v === 0;
  }
}

function enumReader(desc: DescEnum): ValueReader {
  if (desc.typeName === 'google.protobuf.NullValue') {
    return (r) => {
      r.varint();
      return null;
    };
  }
  const names = new Map<number, string>(desc.values.map((v) => [v.number, v.jsonName]));
  return (r) => {
    const n = r.varint() | 0;
    return names.get(n) ?? n;
  };
}

type FieldReader = (r: Reader, wireType: number, obj: JsonObject) => void;
type SpecialReader = (r: Reader, end: number) => JsonValue;

interface Plan {
  readers: Array<FieldReader | undefined>;
  byNumber: Map<number, FieldReader>;
  special: SpecialReader | undefined;
}

/** MAX_DEPTH bounds recursion on hostile input; protobuf-es uses the same default. */
const MAX_DEPTH = 100;

const WRAPPERS = new Set([
  'google.protobuf.DoubleValue',
  'google.protobuf.FloatValue',
  'google.protobuf.Int64Value',
  'google.protobuf.UInt64Value',
  'google.protobuf.Int32Value',
  'google.protobuf.UInt32Value',
  'google.protobuf.BoolValue',
  'google.protobuf.StringValue',
  'google.protobuf.BytesValue',
]);

/**
 * JsonCodec converts binary messages of a registry's types to JSON values.
 * One codec serves the whole process; plans are compiled on first use.
 */
export class JsonCodec {
  private readonly plans = new Map<string, Plan>();
  private depth = 0;

  constructor(private readonly registry: Registry) {}

  /** toJsonValue converts a binary message to its canonical JSON value (an object, or a string for Timestamp and the like). */
  toJsonValue(desc: DescMessage, bytes: Uint8Array): JsonValue {
    const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    try {
      this.depth = 0;
      return this.decode(desc, new Reader(buf, 0), buf.length);
    } catch (err) {
      if (!(err instanceof Fallback) && !(err instanceof RangeError)) throw err;
      // The reference path: slower, exact, and it throws on invalid input.
      return toJson(desc, fromBinary(desc, buf), { registry: this.registry });
    }
  }

  private decode(desc: DescMessage, r: Reader, end: number): JsonValue {
    const plan = this.plan(desc);
    if (plan.special) {
      const value = plan.special(r, end);
      if (r.pos !== end) throw new Fallback('message overruns its length');
      return value;
    }
    const obj: JsonObject = {};
    this.decodeInto(plan, r, end, obj);
    return obj;
  }

  private decodeInto(plan: Plan, r: Reader, end: number, obj: JsonObject): void {
    if (++this.depth > MAX_DEPTH) throw new Fallback('too deep');
    const { readers, byNumber } = plan;
    while (r.pos < end) {
      const tag = r.varint();
      const number = tag >>> 3;
      const reader = number < readers.length ? readers[number] : byNumber.get(number);
      if (reader === undefined) r.skip(tag & 7);
      else reader(r, tag & 7, obj);
    }
    if (r.pos !== end) throw new Fallback('message overruns its length');
    this.depth -= 1;
  }

  private plan(desc: DescMessage): Plan {
    let plan = this.plans.get(desc.typeName);
    if (plan) return plan;
    plan = { readers: [], byNumber: new Map(), special: undefined };
    // Registered before compiling so recursive types find it.
    this.plans.set(desc.typeName, plan);
    plan.special = this.special(desc);
    if (!plan.special) {
      for (const field of desc.fields) {
        const reader = this.fieldReader(field);
        if (field.number < 1024) plan.readers[field.number] = reader;
        else plan.byNumber.set(field.number, reader);
      }
    }
    return plan;
  }

  private fieldReader(field: DescField): FieldReader {
    const key = field.jsonName;
    const siblings = field.oneof ? field.oneof.fields.filter((f) => f !== field).map((f) => f.jsonName) : [];
    const clearSiblings = (obj: JsonObject) => {
      for (const s of siblings) delete obj[s];
    };
    switch (field.fieldKind) {
      case 'scalar':
      case 'enum': {
        const { wireType, read } = field.fieldKind === 'enum' ? { wireType: 0, read: enumReader(field.enum) } : scalarReader(field.scalar);
        const implicit = field.presence === 2 && field.oneof === undefined;
        if (implicit) {
          const isZero = field.fieldKind === 'enum' ? enumZero(field.enum) : zeroCheck(field.scalar);
          return (r, wt, obj) => {
            if (wt !== wireType) throw new Fallback('wire type mismatch');
            const value = read(r);
            if (isZero(value)) delete obj[key];
            else obj[key] = value;
          };
        }
        return (r, wt, obj) => {
          if (wt !== wireType) throw new Fallback('wire type mismatch');
          clearSiblings(obj);
          obj[key] = read(r);
        };
      }
      case 'message': {
        const message = field.message;
        return (r, wt, obj) => {
          if (wt !== 2) throw new Fallback('wire type mismatch');
          const length = r.varint();
          const end = r.pos + length;
          if (end > r.buf.length) throw new Fallback('truncated');
          clearSiblings(obj);
          const plan = this.plan(message);
          if (plan.special) {
            // protobuf-es merges a repeated occurrence; leave that rare case to it.
            if (key in obj) throw new Fallback('well-known type repeated on the wire');
            obj[key] = this.decode(message, r, end);
          } else {
            let child = obj[key] as JsonObject | undefined;
            if (child === undefined || child === null || typeof child !== 'object') obj[key] = child = {};
            this.decodeInto(plan, r, end, child);
          }
          r.pos = end;
        };
      }
      case 'list': {
        if (field.listKind === 'message') {
          const message = field.message;
          return (r, wt, obj) => {
            if (wt !== 2) throw new Fallback('wire type mismatch');
            const length = r.varint();
            const end = r.pos + length;
            if (end > r.buf.length) throw new Fallback('truncated');
            const value = this.decode(message, r, end);
            r.pos = end;
            const list = obj[key] as JsonValue[] | undefined;
            if (list === undefined) obj[key] = [value];
            else list.push(value);
          };
        }
        const { wireType, read } = field.listKind === 'enum' ? { wireType: 0, read: enumReader(field.enum) } : scalarReader(field.scalar);
        const packable = wireType !== 2;
        return (r, wt, obj) => {
          let list = obj[key] as JsonValue[] | undefined;
          if (packable && wt === 2) {
            const length = r.varint();
            const end = r.pos + length;
            if (end > r.buf.length) throw new Fallback('truncated');
            while (r.pos < end) {
              const value = read(r);
              if (list === undefined) obj[key] = list = [value];
              else list.push(value);
            }
            if (r.pos !== end) throw new Fallback('packed field overruns its length');
            return;
          }
          if (wt !== wireType) throw new Fallback('wire type mismatch');
          const value = read(r);
          if (list === undefined) obj[key] = [value];
          else list.push(value);
        };
      }
      case 'map': {
        const keyReader = scalarReader(field.mapKey);
        const keyDefault = mapKeyDefault(field.mapKey);
        const valueOf = this.mapValueReader(field);
        return (r, wt, obj) => {
          if (wt !== 2) throw new Fallback('wire type mismatch');
          const length = r.varint();
          const end = r.pos + length;
          if (end > r.buf.length) throw new Fallback('truncated');
          let entryKey: JsonValue | undefined;
          let entryValue: JsonValue | undefined;
          while (r.pos < end) {
            const tag = r.varint();
            const number = tag >>> 3;
            const wire = tag & 7;
            if (number === 1) {
              if (wire !== keyReader.wireType) throw new Fallback('wire type mismatch');
              entryKey = keyReader.read(r);
            } else if (number === 2) {
              entryValue = valueOf.read(r, wire);
            } else {
              r.skip(wire);
            }
          }
          if (r.pos !== end) throw new Fallback('map entry overruns its length');
          let map = obj[key] as JsonObject | undefined;
          if (map === undefined) obj[key] = map = {};
          map[String(entryKey ?? keyDefault)] = entryValue ?? valueOf.zero();
        };
      }
    }
  }

  private mapValueReader(field: DescField & { fieldKind: 'map' }): { read: (r: Reader, wireType: number) => JsonValue; zero: () => JsonValue } {
    switch (field.mapKind) {
      case 'message': {
        const message = field.message;
        return {
          read: (r, wt) => {
            if (wt !== 2) throw new Fallback('wire type mismatch');
            const length = r.varint();
            const end = r.pos + length;
            const value = this.decode(message, r, end);
            r.pos = end;
            return value;
          },
          zero: () => this.decode(message, new Reader(Buffer.alloc(0), 0), 0),
        };
      }
      case 'enum': {
        const read = enumReader(field.enum);
        const zero = field.enum.values[0];
        return {
          read: (r, wt) => {
            if (wt !== 0) throw new Fallback('wire type mismatch');
            return read(r);
          },
          zero: () => (field.enum.typeName === 'google.protobuf.NullValue' ? null : zero.jsonName),
        };
      }
      case 'scalar': {
        const { wireType, read } = scalarReader(field.scalar);
        const zero = scalarZero(field.scalar);
        return {
          read: (r, wt) => {
            if (wt !== wireType) throw new Fallback('wire type mismatch');
            return read(r);
          },
          zero: () => zero,
        };
      }
    }
  }

  /** special returns the reader of a well-known type with its own JSON form, or undefined for ordinary messages. */
  private special(desc: DescMessage): SpecialReader | undefined {
    switch (desc.typeName) {
      case 'google.protobuf.Timestamp':
        return (r, end) => {
          const { seconds, nanos } = readSecondsNanos(r, end);
          return timestampJson(seconds, nanos);
        };
      case 'google.protobuf.Duration':
        return (r, end) => {
          const { seconds, nanos, secondsText } = readSecondsNanos(r, end);
          return durationJson(seconds, secondsText, nanos);
        };
      case 'google.protobuf.FieldMask':
        return (r, end) => {
          const paths: string[] = [];
          while (r.pos < end) {
            const tag = r.varint();
            if (tag === 0x0a) {
              const length = r.varint();
              paths.push(r.buf.toString('utf8', r.pos, r.pos + length));
              r.pos += length;
            } else r.skip(tag & 7);
          }
          return paths.map(fieldMaskPathJson).join(',');
        };
      case 'google.protobuf.Struct':
        return (r, end) => this.struct(r, end);
      case 'google.protobuf.Value':
        return (r, end) => this.value(r, end);
      case 'google.protobuf.ListValue':
        return (r, end) => this.listValue(r, end);
      case 'google.protobuf.Any':
        return (r, end) => this.any(r, end);
      default:
        if (WRAPPERS.has(desc.typeName)) {
          const field = desc.fields[0];
          if (field.fieldKind !== 'scalar') return undefined;
          const { wireType, read } = scalarReader(field.scalar);
          const zero = scalarZero(field.scalar);
          return (r, end) => {
            let value: JsonValue = zero;
            while (r.pos < end) {
              const tag = r.varint();
              if (tag >>> 3 === 1) {
                if ((tag & 7) !== wireType) throw new Fallback('wire type mismatch');
                value = read(r);
              } else r.skip(tag & 7);
            }
            return value;
          };
        }
        return undefined;
    }
  }

  private struct(r: Reader, end: number): JsonObject {
    const out: JsonObject = {};
    while (r.pos < end) {
      const tag = r.varint();
      if (tag !== 0x0a) {
        r.skip(tag & 7);
        continue;
      }
      const length = r.varint();
      const entryEnd = r.pos + length;
      let key = '';
      let value: JsonValue | undefined;
      while (r.pos < entryEnd) {
        const t = r.varint();
        if (t === 0x0a) {
          const length = r.varint();
          key = r.buf.toString('utf8', r.pos, r.pos + length);
          r.pos += length;
        } else if (t === 0x12) {
          const length = r.varint();
          const valueEnd = r.pos + length;
          value = this.value(r, valueEnd);
          r.pos = valueEnd;
        } else r.skip(t & 7);
      }
      if (value === undefined) throw new Fallback('Struct entry without a value');
      out[key] = value;
    }
    return out;
  }

  private value(r: Reader, end: number): JsonValue {
    let result: JsonValue | undefined;
    let set = false;
    while (r.pos < end) {
      const tag = r.varint();
      switch (tag) {
        case 0x08: // null_value
          r.varint();
          result = null;
          set = true;
          break;
        case 0x11: {
          // number_value
          const n = r.buf.readDoubleLE(r.pos);
          r.pos += 8;
          if (!Number.isFinite(n)) throw new Fallback('Value cannot be NaN or Infinity');
          result = n;
          set = true;
          break;
        }
        case 0x1a: {
          const length = r.varint();
          result = r.buf.toString('utf8', r.pos, r.pos + length);
          r.pos += length;
          set = true;
          break;
        }
        case 0x20:
          result = r.varint() !== 0;
          set = true;
          break;
        case 0x2a: {
          const length = r.varint();
          const stop = r.pos + length;
          result = this.struct(r, stop);
          r.pos = stop;
          set = true;
          break;
        }
        case 0x32: {
          const length = r.varint();
          const stop = r.pos + length;
          result = this.listValue(r, stop);
          r.pos = stop;
          set = true;
          break;
        }
        default:
          r.skip(tag & 7);
      }
    }
    if (!set) throw new Fallback('Value without a kind');
    return result as JsonValue;
  }

  private listValue(r: Reader, end: number): JsonValue[] {
    const out: JsonValue[] = [];
    while (r.pos < end) {
      const tag = r.varint();
      if (tag !== 0x0a) {
        r.skip(tag & 7);
        continue;
      }
      const length = r.varint();
      const stop = r.pos + length;
      out.push(this.value(r, stop));
      r.pos = stop;
    }
    return out;
  }

  private any(r: Reader, end: number): JsonValue {
    let typeUrl = '';
    let valueStart = 0;
    let valueEnd = 0;
    while (r.pos < end) {
      const tag = r.varint();
      if (tag === 0x0a) {
        const length = r.varint();
        typeUrl = r.buf.toString('utf8', r.pos, r.pos + length);
        r.pos += length;
      } else if (tag === 0x12) {
        const length = r.varint();
        valueStart = r.pos;
        valueEnd = r.pos + length;
        r.pos = valueEnd;
      } else r.skip(tag & 7);
    }
    if (typeUrl === '') return {};
    const desc = this.registry.getMessage(typeUrl.slice(typeUrl.lastIndexOf('/') + 1));
    if (desc === undefined) throw new Fallback('Any of an unknown type');
    const inner = this.decode(desc, new Reader(r.buf, valueStart), valueEnd);
    const out: JsonObject = this.plan(desc).special ? { value: inner } : (inner as JsonObject);
    out['@type'] = typeUrl;
    return out;
  }
}

function enumZero(desc: DescEnum): (value: JsonValue) => boolean {
  if (desc.typeName === 'google.protobuf.NullValue') return () => true;
  const zero = desc.values.find((v) => v.number === 0)?.jsonName;
  return (v) => v === 0 || v === zero;
}

function scalarZero(type: ScalarType): JsonValue {
  switch (type) {
    case ScalarType.BOOL:
      return false;
    case ScalarType.STRING:
    case ScalarType.BYTES:
      return '';
    case ScalarType.INT64:
    case ScalarType.UINT64:
    case ScalarType.SINT64:
    case ScalarType.FIXED64:
    case ScalarType.SFIXED64:
      return '0';
    default:
      return 0;
  }
}

function mapKeyDefault(type: ScalarType): string {
  switch (type) {
    case ScalarType.BOOL:
      return 'false';
    case ScalarType.STRING:
      return '';
    default:
      return '0';
  }
}

function readSecondsNanos(r: Reader, end: number): { seconds: number; secondsText: string; nanos: number } {
  let secondsText = '0';
  let nanos = 0;
  while (r.pos < end) {
    const tag = r.varint();
    if (tag === 0x08) {
      r.varint64();
      secondsText = int64String(r.lo, r.hi);
    } else if (tag === 0x10) {
      nanos = r.varint() | 0;
    } else r.skip(tag & 7);
  }
  return { seconds: Number(secondsText), secondsText, nanos };
}

const TIMESTAMP_MS_MIN = Date.parse('0001-01-01T00:00:00Z');
const TIMESTAMP_MS_MAX = Date.parse('9999-12-31T23:59:59Z');
const DURATION_SECONDS_MAX = 315_576_000_000;

// Most timestamps in a response fall in the same few seconds (create and
// update times of many records), so the formatted seconds are cached.
const secondsCache = new Map<number, string>();

function timestampJson(seconds: number, nanos: number): string {
  const ms = seconds * 1000;
  if (ms < TIMESTAMP_MS_MIN || ms > TIMESTAMP_MS_MAX || nanos < 0 || nanos > 999_999_999) throw new Fallback('Timestamp out of range');
  let base = secondsCache.get(seconds);
  if (base === undefined) {
    // "2024-01-01T00:00:00" from "2024-01-01T00:00:00.000Z"
    base = new Date(ms).toISOString().slice(0, -5);
    if (secondsCache.size >= 4096) secondsCache.clear();
    secondsCache.set(seconds, base);
  }
  if (nanos === 0) return `${base}Z`;
  const text = (nanos + 1_000_000_000).toString().substring(1);
  if (text.substring(3) === '000000') return `${base}.${text.substring(0, 3)}Z`;
  if (text.substring(6) === '000') return `${base}.${text.substring(0, 6)}Z`;
  return `${base}.${text}Z`;
}

function durationJson(seconds: number, secondsText: string, nanos: number): string {
  if (seconds > DURATION_SECONDS_MAX || seconds < -DURATION_SECONDS_MAX) throw new Fallback('Duration out of range');
  if ((seconds > 0 && nanos < 0) || (seconds < 0 && nanos > 0)) throw new Fallback('Duration signs differ');
  let text = secondsText;
  if (nanos !== 0) {
    let fraction = Math.abs(nanos).toString();
    fraction = '0'.repeat(9 - fraction.length) + fraction;
    if (fraction.substring(3) === '000000') fraction = fraction.substring(0, 3);
    else if (fraction.substring(6) === '000') fraction = fraction.substring(0, 6);
    text += `.${fraction}`;
    if (nanos < 0 && seconds === 0) text = `-${text}`;
  }
  return `${text}s`;
}

/** fieldMaskPathJson is the lowerCamelCase of a path, refusing paths it cannot reverse, as protobuf-es does. */
function fieldMaskPathJson(path: string): string {
  const camel = protoCamelCase(path);
  if (protoSnakeCase(camel) !== path) throw new Fallback('irreversible FieldMask path');
  return camel;
}
