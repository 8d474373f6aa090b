/**
 * The HPACK Huffman code (RFC 7541, Appendix B). It is a canonical Huffman
 * code: sorting the symbols by (code length, symbol) and counting upwards
 * gives every code, so the code lengths below determine the whole table.
 * huffman.test.ts checks the result against nghttp2 (node:http2's encoder).
 */
const CODE_LENGTHS: readonly number[] = [
  13, 23, 28, 28, 28, 28, 28, 28, 28, 24, 30, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 28,
  6, 10, 10, 12, 13, 6, 8, 11, 10, 10, 8, 11, 8, 6, 6, 6, 5, 5, 5, 6, 6, 6, 6, 6, 6, 6, 7, 8, 15, 6, 12, 10,
  13, 6, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 8, 7, 8, 13, 19, 13, 14, 6,
  15, 5, 6, 5, 6, 5, 6, 6, 6, 5, 7, 7, 6, 6, 6, 5, 6, 7, 6, 5, 5, 6, 7, 7, 7, 7, 7, 15, 11, 14, 13, 28,
  20, 22, 20, 20, 22, 22, 22, 23, 22, 23, 23, 23, 23, 23, 24, 23, 24, 24, 22, 23, 24, 23, 23, 23, 23, 21, 22, 23, 22, 23, 23, 24,
  22, 21, 20, 22, 22, 23, 23, 21, 23, 22, 22, 24, 21, 22, 23, 23, 21, 21, 22, 21, 23, 22, 23, 23, 20, 22, 22, 22, 23, 22, 22, 23,
  26, 26, 20, 19, 22, 23, 22, 25, 26, 26, 26, 27, 27, 26, 24, 25, 19, 21, 26, 27, 27, 26, 27, 24, 21, 21, 26, 26, 28, 27, 27, 27,
  20, 24, 20, 21, 22, 21, 21, 23, 22, 22, 25, 25, 24, 24, 26, 23, 26, 27, 26, 26, 27, 27, 27, 27, 27, 28, 27, 27, 27, 27, 27, 26,
  30,
];

const EOS = 256;
const MAX_LENGTH = 30;

/** HUFFMAN_CODES holds each symbol's code, right-aligned; exported for tests. */
export const HUFFMAN_CODES = new Uint32Array(257);
// Canonical decoding tables: for each code length, the first code of that
// length, how many codes have it, and where its symbols start in SYMBOLS.
const FIRST_CODE = new Int32Array(MAX_LENGTH + 1);
const COUNT = new Int32Array(MAX_LENGTH + 1);
const OFFSET = new Int32Array(MAX_LENGTH + 1);
const SYMBOLS = new Uint16Array(257);

(function buildTables() {
  const order = Array.from({ length: 257 }, (_, s) => s).sort((a, b) => CODE_LENGTHS[a] - CODE_LENGTHS[b] || a - b);
  let code = 0;
  let previous = CODE_LENGTHS[order[0]];
  order.forEach((symbol, i) => {
    const length = CODE_LENGTHS[symbol];
    if (i > 0) code = (code + 1) * 2 ** (length - previous);
    previous = length;
    HUFFMAN_CODES[symbol] = code;
    SYMBOLS[i] = symbol;
    if (COUNT[length] === 0) {
      FIRST_CODE[length] = code;
      OFFSET[length] = i;
    }
    COUNT[length] += 1;
  });
})();

/** HuffmanError is a malformed Huffman string: HPACK treats it as a COMPRESSION_ERROR. */
export class HuffmanError extends Error {}

/**
 * huffmanDecode decodes bytes [start, end) of buf. It rejects an EOS symbol
 * inside the string and padding that is longer than 7 bits or not all ones,
 * as RFC 7541 section 5.2 requires.
 */
export function huffmanDecode(buf: Uint8Array, start: number, end: number): Buffer {
  // The shortest code has 5 bits, so n bytes hold at most 8n/5 symbols.
  const out = Buffer.allocUnsafe(Math.ceil(((end - start) * 8) / 5));
  let written = 0;
  let code = 0;
  let length = 0;
  for (let i = start; i < end; i++) {
    const byte = buf[i];
    for (let bit = 7; bit >= 0; bit--) {
      code = code * 2 + ((byte >> bit) & 1);
      length += 1;
      if (length < 5) continue;
      const index = code - FIRST_CODE[length];
      if (COUNT[length] > 0 && index >= 0 && index < COUNT[length]) {
        const symbol = SYMBOLS[OFFSET[length] + index];
        if (symbol === EOS) throw new HuffmanError('EOS symbol inside a Huffman string');
        out[written++] = symbol;
        code = 0;
        length = 0;
      } else if (length >= MAX_LENGTH) {
        throw new HuffmanError('invalid Huffman code');
      }
    }
  }
  if (length > 7 || code !== 2 ** length - 1) throw new HuffmanError('invalid Huffman padding');
  return out.subarray(0, written);
}

/** huffmanEncode encodes a string's bytes; the client sends literals raw, so this exists for tests. */
export function huffmanEncode(bytes: Uint8Array): Buffer {
  const out: number[] = [];
  let acc = 0;
  let bits = 0;
  for (const byte of bytes) {
    const length = CODE_LENGTHS[byte];
    acc = acc * 2 ** length + HUFFMAN_CODES[byte];
    bits += length;
    while (bits >= 8) {
      bits -= 8;
      const top = Math.floor(acc / 2 ** bits);
      out.push(top & 0xff);
      acc -= top * 2 ** bits;
    }
  }
  if (bits > 0) out.push(((acc << (8 - bits)) | (0xff >> bits)) & 0xff);
  return Buffer.from(out);
}
