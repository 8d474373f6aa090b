import { fromBinary, fromJson, toBinary, toJson, type DescMessage, type JsonValue } from '@bufbuild/protobuf';
import { BinaryWriter, WireType } from '@bufbuild/protobuf/wire';
import { sharedContract } from '@shop/kit';
import { ANY_EXTRA, Random, randomJson } from '../../test/support/random-json';
import { testContract } from '../../test/support/test-contract';
import { JsonCodec } from './binary-to-json';

const contract = testContract();
const registry = contract.registry;
const Sink = registry.getMessage('gwtest.v1.Sink')!;
const codec = new JsonCodec(registry);

/** reference is what protobuf-es makes of the same bytes. */
function reference(desc: DescMessage, bytes: Uint8Array): JsonValue {
  return toJson(desc, fromBinary(desc, bytes), { registry });
}

function bytesOf(desc: DescMessage, json: JsonValue): Uint8Array {
  return toBinary(desc, fromJson(desc, json, { registry }));
}

describe('JsonCodec', () => {
  it('writes every field kind as protobuf-es does', () => {
    const json: JsonValue = {
      id: 'sink-1',
      title: 'Title',
      i32: -5,
      i64: '-9223372036854775808',
      u32: 4294967295,
      u64: '18446744073709551615',
      s32: -2147483648,
      s64: '-123456789012345',
      f32: 7,
      f64: '9007199254740993',
      sf32: -7,
      sf64: '-9007199254740993',
      flag: true,
      fl: 0.1,
      db: -0,
      blob: 'AAEC/w==',
      color: 'COLOR_GREEN',
      tags: ['a', '', 'ü'],
      counts: ['1', '-1', '0'],
      colors: ['COLOR_RED', 'COLOR_UNSPECIFIED', 7],
      inner: { name: 'in', n: '3', child: { name: 'deep' }, children: [{}, { n: '1' }] },
      inners: [{ name: 'x' }, {}],
      totals: { a: '1', b: '-2' },
      names: { '-1': 'minus', '7': 'seven' },
      innerMap: { k: { name: 'v' }, empty: {} },
      when: '2024-02-29T12:34:56.789Z',
      took: '-0.000000001s',
      mask: 'title,inner.name,maybeI32',
      maybeI32: 0,
      maybeS: '',
      maybeB: false,
      maybeI64: '0',
      maybeD: 'NaN',
      maybeBytes: '',
      meta: { a: null, b: [1, 'two', { c: true }], d: {} },
      anything: 'text',
      list: [null, 1.5],
      extra: { '@type': 'type.googleapis.com/google.protobuf.Duration', value: '2s' },
      nothing: {},
      optI32: 0,
      optS: '',
      pickInner: { name: 'chosen' },
      createdBy: 'server',
      flags: [true, false],
      ratios: ['Infinity', 0, -1.5],
      blobs: ['', 'AA=='],
      bigNumber: 42,
    };
    const bytes = bytesOf(Sink, json);
    expect(codec.toJsonValue(Sink, bytes)).toEqual(reference(Sink, bytes));
  });

  it('agrees with protobuf-es on 500 random messages', () => {
    const random = new Random(20261121);
    ANY_EXTRA.push({ '@type': 'type.googleapis.com/gwtest.v1.Inner', name: 'packed', n: '7' }, { '@type': 'type.googleapis.com/google.protobuf.Empty' });
    for (let i = 0; i < 500; i++) {
      const bytes = bytesOf(Sink, randomJson(random, Sink));
      const expected = reference(Sink, bytes);
      const actual = codec.toJsonValue(Sink, bytes);
      if (JSON.stringify(sortKeys(actual)) !== JSON.stringify(sortKeys(expected))) {
        // Show the first difference with its input.
        expect({ case: i, json: actual }).toEqual({ case: i, json: expected });
      }
    }
  });

  it('agrees with protobuf-es on the shop contract messages', () => {
    const shop = sharedContract().registry;
    const shopCodec = new JsonCodec(shop);
    const random = new Random(7);
    ANY_EXTRA.length = 0;
    for (const name of ['shop.catalog.v1.GetProductResponse', 'shop.orders.v1.Order', 'shop.users.v1.LoginResponse', 'shop.inventory.v1.GetStockResponse', 'google.rpc.Status']) {
      const desc = shop.getMessage(name)!;
      for (let i = 0; i < 50; i++) {
        const bytes = toBinary(desc, fromJson(desc, randomJson(random, desc), { registry: shop }));
        expect(shopCodec.toJsonValue(desc, bytes)).toEqual(toJson(desc, fromBinary(desc, bytes), { registry: shop }));
      }
    }
  });

  describe('on hand-made wire input', () => {
    const cases: Array<[string, (w: BinaryWriter) => void]> = [
      ['omits implicit fields sent with their zero value', (w) => w.tag(3, WireType.Varint).int32(0).tag(2, WireType.LengthDelimited).string('').tag(17, WireType.Varint).int32(0)],
      ['keeps the last of repeated scalar occurrences, even a zero', (w) => w.tag(3, WireType.Varint).int32(5).tag(3, WireType.Varint).int32(0).tag(2, WireType.LengthDelimited).string('a').tag(2, WireType.LengthDelimited).string('b')],
      ['merges a message field sent twice', (w) => w.tag(21, WireType.LengthDelimited).bytes(inner({ name: 'a', n: '1' })).tag(21, WireType.LengthDelimited).bytes(inner({ n: '2', child: { name: 'c' } }))],
      ['reads repeated numbers both packed and unpacked', (w) => w.tag(19, WireType.Varint).int64(1).tag(19, WireType.LengthDelimited).fork().int64(2).int64(-3).join().tag(19, WireType.Varint).int64(4)],
      ['reads a negative int32 sent as ten bytes', (w) => w.tag(3, WireType.Varint).int32(-1)],
      ['skips unknown fields of every wire type', (w) => w.tag(900, WireType.Varint).uint64(12345678901234n).tag(901, WireType.Bit64).fixed64(1).tag(902, WireType.LengthDelimited).string('x').tag(903, WireType.Bit32).fixed32(1).tag(2, WireType.LengthDelimited).string('kept')],
      ['fills a map entry missing its key or value with zero values', (w) => w.tag(23, WireType.LengthDelimited).fork().tag(2, WireType.Varint).int64(9).join().tag(23, WireType.LengthDelimited).fork().tag(1, WireType.LengthDelimited).string('k').join().tag(25, WireType.LengthDelimited).fork().tag(1, WireType.LengthDelimited).string('m').join()],
      ['keeps only the last oneof member', (w) => w.tag(42, WireType.LengthDelimited).string('first').tag(43, WireType.LengthDelimited).bytes(inner({ name: 'second' }))],
      ['reads a field number above 1024', (w) => w.tag(5000, WireType.Varint).int32(3)],
      ['writes a present wrapper holding zero', (w) => w.tag(29, WireType.LengthDelimited).fork().join()],
      ['writes an unknown enum number as a number', (w) => w.tag(17, WireType.Varint).int32(99)],
      ['falls back to protobuf-es for a Timestamp sent twice', (w) => w.tag(26, WireType.LengthDelimited).fork().tag(1, WireType.Varint).int64(10).join().tag(26, WireType.LengthDelimited).fork().tag(2, WireType.Varint).int32(5).join()],
      ['fails like protobuf-es on a wire type that does not fit the field', (w) => w.tag(3, WireType.LengthDelimited).fork().int32(1).int32(2).join()],
      ['fails like protobuf-es on a Timestamp out of range', (w) => w.tag(26, WireType.LengthDelimited).fork().tag(1, WireType.Varint).int64(-99999999999999n).join()],
    ];
    it.each(cases)('%s', (_name, write) => {
      const w = new BinaryWriter();
      write(w);
      const bytes = w.finish();
      let expected: JsonValue | Error;
      try {
        expected = reference(Sink, bytes);
      } catch (err) {
        expected = err as Error;
      }
      if (expected instanceof Error) expect(() => codec.toJsonValue(Sink, bytes)).toThrow(expected.message);
      else expect(codec.toJsonValue(Sink, bytes)).toEqual(expected);
    });
  });

  it('throws like protobuf-es on truncated input', () => {
    const bytes = bytesOf(Sink, { title: 'a long enough title', inner: { name: 'x' } });
    const truncated = bytes.subarray(0, bytes.length - 3);
    expect(() => reference(Sink, truncated)).toThrow();
    expect(() => codec.toJsonValue(Sink, truncated)).toThrow();
  });

  it('throws like protobuf-es on a Value without a kind', () => {
    const bytes = new BinaryWriter().tag(36, WireType.LengthDelimited).fork().join().finish();
    expect(() => reference(Sink, bytes)).toThrow(/must have a value/);
    expect(() => codec.toJsonValue(Sink, bytes)).toThrow(/must have a value/);
  });
});

function inner(json: JsonValue): Uint8Array {
  return bytesOf(registry.getMessage('gwtest.v1.Inner')!, json);
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.keys(value).sort().map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]));
  }
  return Object.is(value, -0) ? '-0' : value;
}
