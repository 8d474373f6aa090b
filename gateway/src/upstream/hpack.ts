import { huffmanDecode, HuffmanError } from './huffman';

/** STATIC_TABLE is the HPACK static table (RFC 7541, Appendix A); index 0 is unused. */
export const STATIC_TABLE: ReadonlyArray<readonly [string, string]> = [
  ['', ''],
  [':authority', ''],
  [':method', 'GET'],
  [':method', 'POST'],
  [':path', '/'],
  [':path', '/index.html'],
  [':scheme', 'http'],
  [':scheme', 'https'],
  [':status', '200'],
  [':status', '204'],
  [':status', '206'],
  [':status', '304'],
  [':status', '400'],
  [':status', '404'],
  [':status', '500'],
  ['accept-charset', ''],
  ['accept-encoding', 'gzip, deflate'],
  ['accept-language', ''],
  ['accept-ranges', ''],
  ['accept', ''],
  ['access-control-allow-origin', ''],
  ['age', ''],
  ['allow', ''],
  ['authorization', ''],
  ['cache-control', ''],
  ['content-disposition', ''],
  ['content-encoding', ''],
  ['content-language', ''],
  ['content-length', ''],
  ['content-location', ''],
  ['content-range', ''],
  ['content-type', ''],
  ['cookie', ''],
  ['date', ''],
  ['etag', ''],
  ['expect', ''],
  ['expires', ''],
  ['from', ''],
  ['host', ''],
  ['if-match', ''],
  ['if-modified-since', ''],
  ['if-none-match', ''],
  ['if-range', ''],
  ['if-unmodified-since', ''],
  ['last-modified', ''],
  ['link', ''],
  ['location', ''],
  ['max-forwards', ''],
  ['proxy-authenticate', ''],
  ['proxy-authorization', ''],
  ['range', ''],
  ['referer', ''],
  ['refresh', ''],
  ['retry-after', ''],
  ['server', ''],
  ['set-cookie', ''],
  ['strict-transport-security', ''],
  ['transfer-encoding', ''],
  ['user-agent', ''],
  ['vary', ''],
  ['via', ''],
  ['www-authenticate', ''],
];
const STATIC_COUNT = STATIC_TABLE.length - 1;
/** ENTRY_OVERHEAD is the 32 octets HPACK adds to an entry's name and value lengths (RFC 7541, 4.1). */
const ENTRY_OVERHEAD = 32;

/** STATIC_NAME finds the first static index of a header name. */
const STATIC_NAME = new Map<string, number>();
/** STATIC_VALUES finds the static index of a name with its value. */
const STATIC_VALUES = new Map<string, Map<string, number>>();
for (let i = STATIC_COUNT; i >= 1; i--) {
  const [name, value] = STATIC_TABLE[i];
  STATIC_NAME.set(name, i);
  if (value === '') continue;
  const values = STATIC_VALUES.get(name) ?? new Map<string, number>();
  values.set(value, i);
  STATIC_VALUES.set(name, values);
}

/** CompressionError is a header block HPACK cannot decode: the connection must end with COMPRESSION_ERROR. */
export class CompressionError extends Error {}

/** HeaderSizeError is a decoded header list above the advertised SETTINGS_MAX_HEADER_LIST_SIZE; the block was read to its end, so the table is in step. */
export class HeaderSizeError extends Error {}

/** DecodedHeaders maps lower-case header names to values; repeated headers are joined with ", ". */
export type DecodedHeaders = Record<string, string>;

/**
 * HpackDecoder decodes header blocks with the dynamic table of one
 * connection's receiving side. Header values are read as latin1: gRPC
 * metadata is ASCII, and binary metadata travels base64-encoded.
 */
export class HpackDecoder {
  // Dynamic table entries, oldest first: index 62 is the last element.
  private names: string[] = [];
  private values: string[] = [];
  private first = 0;
  private size = 0;
  private readonly maxTableSize: number;
  private readonly maxHeaderListSize: number;
  /** tableLimit is the current dynamic table size the peer chose (at most maxTableSize). */
  private tableLimit: number;

  /**
   * @param maxTableSize is the SETTINGS_HEADER_TABLE_SIZE this side
   * advertised: the peer may shrink the table below it, never grow past it.
   * @param maxHeaderListSize bounds the decoded headers, counted as HPACK does.
   */
  constructor(maxTableSize = 4096, maxHeaderListSize = 64 * 1024) {
    this.maxTableSize = maxTableSize;
    this.maxHeaderListSize = maxHeaderListSize;
    this.tableLimit = maxTableSize;
  }

  /**
   * decode reads one complete header block (HEADERS plus any CONTINUATION
   * payloads). A block whose decoded list is over maxHeaderListSize is still
   * read to its end, so the dynamic table stays in step with the peer's
   * encoder, and then fails with HeaderSizeError: only its stream is lost.
   */
  decode(block: Uint8Array): DecodedHeaders {
    const out: DecodedHeaders = Object.create(null) as DecodedHeaders;
    let listSize = 0;
    let tooLarge = false;
    let pos = 0;
    let fieldSeen = false;
    const end = block.length;
    while (pos < end) {
      const byte = block[pos];
      let name: string;
      let value: string;
      if (byte & 0x80) {
        const [index, next] = readInteger(block, pos, 7);
        pos = next;
        [name, value] = this.entry(index);
      } else if ((byte & 0xe0) === 0x20) {
        // A table size update is only allowed at the start of a block.
        if (fieldSeen) throw new CompressionError('dynamic table size update after a header field');
        const [size, next] = readInteger(block, pos, 5);
        pos = next;
        if (size > this.maxTableSize) throw new CompressionError('dynamic table size update above the advertised maximum');
        this.evictTo(size);
        this.tableLimit = size;
        continue;
      } else {
        const incremental = (byte & 0xc0) === 0x40;
        const [index, next] = readInteger(block, pos, incremental ? 6 : 4);
        pos = next;
        if (index === 0) {
          const [literal, after] = readString(block, pos);
          name = literal;
          pos = after;
        } else {
          name = this.entry(index)[0];
        }
        const [literal, after] = readString(block, pos);
        value = literal;
        pos = after;
        if (incremental) this.insert(name, value);
      }
      fieldSeen = true;
      listSize += name.length + value.length + ENTRY_OVERHEAD;
      if (listSize > this.maxHeaderListSize) tooLarge = true;
      if (tooLarge) continue;
      const previous = out[name];
      out[name] = previous === undefined ? value : `${previous}, ${value}`;
    }
    if (tooLarge) throw new HeaderSizeError(`header list of ${listSize} bytes is over the limit of ${this.maxHeaderListSize}`);
    return out;
  }

  private entry(index: number): readonly [string, string] {
    if (index === 0) throw new CompressionError('header index 0');
    if (index <= STATIC_COUNT) return STATIC_TABLE[index];
    const offset = index - STATIC_COUNT - 1;
    const count = this.names.length - this.first;
    if (offset >= count) throw new CompressionError(`header index ${index} outside the dynamic table`);
    const at = this.names.length - 1 - offset;
    return [this.names[at], this.values[at]];
  }

  private insert(name: string, value: string): void {
    const entrySize = name.length + value.length + ENTRY_OVERHEAD;
    if (entrySize > this.tableLimit) {
      // An entry larger than the table empties it and is not added (RFC 7541, 4.4).
      this.evictTo(0);
      return;
    }
    this.evictTo(this.tableLimit - entrySize);
    this.names.push(name);
    this.values.push(value);
    this.size += entrySize;
  }

  private evictTo(limit: number): void {
    while (this.size > limit && this.first < this.names.length) {
      this.size -= this.names[this.first].length + this.values[this.first].length + ENTRY_OVERHEAD;
      this.first += 1;
    }
    // Compact now and then, so evicted entries do not pile up at the front.
    if (this.first > 64 && this.first * 2 > this.names.length) {
      this.names = this.names.slice(this.first);
      this.values = this.values.slice(this.first);
      this.first = 0;
    }
  }
}

function readInteger(buf: Uint8Array, pos: number, prefixBits: number): [number, number] {
  const mask = (1 << prefixBits) - 1;
  let value = buf[pos] & mask;
  pos += 1;
  if (value < mask) return [value, pos];
  let shift = 0;
  for (;;) {
    if (pos >= buf.length) throw new CompressionError('truncated integer');
    const byte = buf[pos++];
    value += (byte & 0x7f) * 2 ** shift;
    shift += 7;
    if ((byte & 0x80) === 0) break;
    // No header needs an integer this large; refuse rather than loop on junk.
    if (shift > 28) throw new CompressionError('integer too large');
  }
  return [value, pos];
}

function readString(buf: Uint8Array, pos: number): [string, number] {
  if (pos >= buf.length) throw new CompressionError('truncated string');
  const huffman = (buf[pos] & 0x80) !== 0;
  const [length, start] = readInteger(buf, pos, 7);
  const end = start + length;
  if (end > buf.length) throw new CompressionError('truncated string');
  if (!huffman) return [Buffer.from(buf.buffer, buf.byteOffset + start, length).toString('latin1'), end];
  try {
    return [huffmanDecode(buf, start, end).toString('latin1'), end];
  } catch (err) {
    if (err instanceof HuffmanError) throw new CompressionError(err.message);
    throw err;
  }
}

/** HeaderIndexing says how the encoder may store a header in the peer's dynamic table. */
export type HeaderIndexing = 'index' | 'literal' | 'never';

/**
 * HpackEncoder encodes request headers for one connection. Headers whose
 * values repeat from call to call (method, scheme, path, authority,
 * content-type, te) are added to the peer's dynamic table the first time and
 * sent as a one-byte index after that. It only ever adds entries while they
 * fit in the table, so nothing is evicted and indices stay predictable.
 * Values that change per call go out as literals; credentials as
 * never-indexed literals, so no intermediary compresses them.
 */
export class HpackEncoder {
  // One record per header name, so a header costs one map lookup: what the
  // static table offers for it, how it may be indexed, and the values it has
  // in the dynamic table (value -> insertion ordinal).
  private readonly names = new Map<string, NameEntry>();
  private inserted = 0;
  private used = 0;
  private pendingSizeUpdate: number | undefined;
  private tableSize: number;

  constructor(tableSize = 4096) {
    this.tableSize = tableSize;
  }

  /**
   * setTableSize applies the peer's SETTINGS_HEADER_TABLE_SIZE (at most 4096
   * is used): the table starts over, announced at the start of the next block.
   */
  setTableSize(peerSize: number): void {
    const size = Math.min(peerSize, 4096);
    if (size === this.tableSize) return;
    this.tableSize = size;
    for (const entry of this.names.values()) entry.dynamic = undefined;
    this.inserted = 0;
    this.used = 0;
    this.pendingSizeUpdate = size;
  }

  /**
   * encode writes one header block; `headers` is a flat [name, value, name,
   * value, ...] list with lower-case names. `indexing` must give the same
   * answer for a name every time: it is asked once per name.
   */
  encode(headers: readonly string[], indexing: (name: string) => HeaderIndexing): Buffer {
    const out = new ByteWriter(256);
    if (this.pendingSizeUpdate !== undefined) {
      // Emptying the table first means no entry from before can be evicted later
      // in a way this encoder does not track.
      out.integer(0x20, 5, 0);
      out.integer(0x20, 5, this.pendingSizeUpdate);
      this.pendingSizeUpdate = undefined;
    }
    for (let i = 0; i < headers.length; i += 2) {
      const name = headers[i];
      const value = headers[i + 1];
      let entry = this.names.get(name);
      if (entry === undefined) {
        entry = { staticName: STATIC_NAME.get(name) ?? 0, staticValues: STATIC_VALUES.get(name), mode: indexing(name), dynamic: undefined };
        this.names.set(name, entry);
      }
      const ordinal = entry.dynamic?.get(value);
      if (ordinal !== undefined) {
        out.integer(0x80, 7, STATIC_COUNT + this.inserted - ordinal);
        continue;
      }
      const staticIndex = entry.staticValues?.get(value);
      if (staticIndex !== undefined) {
        out.integer(0x80, 7, staticIndex);
        continue;
      }
      const nameIndex = entry.staticName;
      const entrySize = name.length + value.length + ENTRY_OVERHEAD;
      if (entry.mode === 'index' && this.used + entrySize <= this.tableSize) {
        out.integer(0x40, 6, nameIndex);
        this.used += entrySize;
        (entry.dynamic ??= new Map()).set(value, this.inserted);
        this.inserted += 1;
      } else {
        out.integer(entry.mode === 'never' ? 0x10 : 0x00, 4, nameIndex);
      }
      if (nameIndex === 0) out.string(name);
      out.string(value);
    }
    return out.finish();
  }
}

interface NameEntry {
  staticName: number;
  staticValues: Map<string, number> | undefined;
  mode: HeaderIndexing;
  dynamic: Map<string, number> | undefined;
}

/** ByteWriter appends bytes to a growing buffer. */
class ByteWriter {
  private buf: Buffer;
  private pos = 0;
  constructor(capacity: number) {
    this.buf = Buffer.allocUnsafe(capacity);
  }
  private ensure(extra: number): void {
    if (this.pos + extra <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + extra));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }
  integer(flags: number, prefixBits: number, value: number): void {
    this.ensure(6);
    const max = (1 << prefixBits) - 1;
    if (value < max) {
      this.buf[this.pos++] = flags | value;
      return;
    }
    this.buf[this.pos++] = flags | max;
    value -= max;
    while (value >= 128) {
      this.buf[this.pos++] = (value % 128) | 0x80;
      value = Math.floor(value / 128);
    }
    this.buf[this.pos++] = value;
  }
  string(text: string): void {
    // latin1: one byte per character (header values are ASCII; see HpackDecoder).
    const length = text.length;
    this.integer(0x00, 7, length);
    this.ensure(length);
    if (length > 64) {
      this.pos += this.buf.write(text, this.pos, 'latin1');
      return;
    }
    // Short strings, most of a gRPC call's headers, are cheaper copied here
    // than through a call into the runtime's native write.
    const buf = this.buf;
    let pos = this.pos;
    for (let i = 0; i < length; i++) buf[pos++] = text.charCodeAt(i);
    this.pos = pos;
  }
  finish(): Buffer {
    return this.buf.subarray(0, this.pos);
  }
}
