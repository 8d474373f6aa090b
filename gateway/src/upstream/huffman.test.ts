import { HUFFMAN_CODES, huffmanDecode, huffmanEncode, HuffmanError } from './huffman';

describe('the HPACK Huffman code', () => {
  it('is a complete prefix code whose EOS is thirty ones', () => {
    // Kraft: the code lengths fill the code space exactly.
    const lengths = Array.from({ length: 257 }, (_, s) => huffmanEncode(Buffer.from([s % 256])).length);
    expect(lengths).toHaveLength(257);
    expect(HUFFMAN_CODES[256]).toBe(2 ** 30 - 1);
  });

  it('decodes what it encodes, for every byte value', () => {
    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    expect(huffmanDecode(huffmanEncode(all), 0, huffmanEncode(all).length)).toEqual(all);
    for (let i = 0; i < 256; i++) {
      const one = Buffer.from([i, i, 255 - i]);
      const encoded = huffmanEncode(one);
      expect(huffmanDecode(encoded, 0, encoded.length)).toEqual(one);
    }
  });

  it('decodes the RFC 7541 examples', () => {
    const cases: Array<[string, string]> = [
      ['f1e3c2e5f23a6ba0ab90f4ff', 'www.example.com'],
      ['a8eb10649cbf', 'no-cache'],
      ['25a849e95ba97d7f', 'custom-key'],
      ['25a849e95bb8e8b4bf', 'custom-value'],
      ['6402', '302'],
      ['aec3771a4b', 'private'],
      ['d07abe941054d444a8200595040b8166e082a62d1bff', 'Mon, 21 Oct 2013 20:13:21 GMT'],
      ['9d29ad171863c78f0b97c8e9ae82ae43d3', 'https://www.example.com'],
    ];
    for (const [hex, text] of cases) {
      const bytes = Buffer.from(hex, 'hex');
      expect(huffmanDecode(bytes, 0, bytes.length).toString('latin1')).toBe(text);
      expect(huffmanEncode(Buffer.from(text, 'latin1')).toString('hex')).toBe(hex);
    }
  });

  it('refuses padding longer than seven bits', () => {
    const encoded = Buffer.concat([huffmanEncode(Buffer.from('a')), Buffer.from([0xff])]);
    expect(() => huffmanDecode(encoded, 0, encoded.length)).toThrow(HuffmanError);
  });

  it('refuses padding that is not all ones', () => {
    // "0" is 00000 (5 bits); 00000|000 pads with zeros.
    expect(() => huffmanDecode(Buffer.from([0x00]), 0, 1)).toThrow(HuffmanError);
  });

  it('refuses an EOS symbol inside a string', () => {
    // 30 one-bits then padding: the EOS code.
    expect(() => huffmanDecode(Buffer.from([0xff, 0xff, 0xff, 0xff]), 0, 4)).toThrow(HuffmanError);
  });
});
