import { CompressionError, HeaderSizeError, HpackDecoder, HpackEncoder, type HeaderIndexing } from './hpack';

const hex = (text: string) => Buffer.from(text.replace(/\s+/g, ''), 'hex');

describe('HpackDecoder', () => {
  it('decodes the RFC 7541 C.3 requests (no Huffman) with one dynamic table', () => {
    const decoder = new HpackDecoder();
    expect(decoder.decode(hex('8286 8441 0f77 7777 2e65 7861 6d70 6c65 2e63 6f6d'))).toEqual({ ':method': 'GET', ':scheme': 'http', ':path': '/', ':authority': 'www.example.com' });
    expect(decoder.decode(hex('8286 84be 5808 6e6f 2d63 6163 6865'))).toEqual({ ':method': 'GET', ':scheme': 'http', ':path': '/', ':authority': 'www.example.com', 'cache-control': 'no-cache' });
    expect(decoder.decode(hex('8287 85bf 400a 6375 7374 6f6d 2d6b 6579 0c63 7573 746f 6d2d 7661 6c75 65'))).toEqual({
      ':method': 'GET',
      ':scheme': 'https',
      ':path': '/index.html',
      ':authority': 'www.example.com',
      'custom-key': 'custom-value',
    });
  });

  it('decodes the RFC 7541 C.4 requests (Huffman)', () => {
    const decoder = new HpackDecoder();
    expect(decoder.decode(hex('8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff'))[':authority']).toBe('www.example.com');
    expect(decoder.decode(hex('8286 84be 5886 a8eb 1064 9cbf'))['cache-control']).toBe('no-cache');
    expect(decoder.decode(hex('8287 85bf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf'))['custom-key']).toBe('custom-value');
  });

  it('evicts the oldest entries when the table is full (RFC 7541 C.5, 256-byte table)', () => {
    const decoder = new HpackDecoder(256);
    decoder.decode(hex('4803 3330 3258 0770 7269 7661 7465 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133 2032 303a 3133 3a32 3120 474d 546e 1768 7474 7073 3a2f 2f77 7777 2e65 7861 6d70 6c65 2e63 6f6d'));
    // The second response evicts ":status: 302" and indexes ":status: 307".
    expect(decoder.decode(hex('4803 3330 37c1 c0bf'))).toEqual({
      ':status': '307',
      'cache-control': 'private',
      date: 'Mon, 21 Oct 2013 20:13:21 GMT',
      location: 'https://www.example.com',
    });
    // Index 66 no longer exists.
    expect(() => decoder.decode(hex('c2'))).toThrow(CompressionError);
  });

  it('applies a table size update at the start of a block and refuses one later or above the maximum', () => {
    const decoder = new HpackDecoder(4096);
    decoder.decode(hex('4003 666f 6f03 6261 72'));
    expect(decoder.decode(hex('be'))).toEqual({ foo: 'bar' });
    // Shrinking the table to 0 empties it.
    expect(() => decoder.decode(hex('20be'))).toThrow(/outside the dynamic table/);
    expect(() => new HpackDecoder().decode(hex('8220'))).toThrow(/after a header field/);
    expect(() => new HpackDecoder().decode(hex('3fe21f'))).toThrow(/above the advertised maximum/);
  });

  it('joins repeated headers and reads never-indexed literals', () => {
    const decoder = new HpackDecoder();
    expect(decoder.decode(hex('1003 6162 6301 31 1003 6162 6301 32'))).toEqual({ abc: '1, 2' });
  });

  it('refuses index 0, truncated input and oversized integers', () => {
    const decoder = new HpackDecoder();
    expect(() => decoder.decode(hex('80'))).toThrow(CompressionError);
    expect(() => decoder.decode(hex('4003 666f'))).toThrow(CompressionError);
    expect(() => decoder.decode(hex('ffffffffff7f'))).toThrow(CompressionError);
  });

  it('bounds the decoded header list', () => {
    const decoder = new HpackDecoder(4096, 100);
    const encoder = new HpackEncoder();
    expect(() => decoder.decode(encoder.encode(['x-big', 'a'.repeat(200)], () => 'literal'))).toThrow(HeaderSizeError);
  });
});

describe('HpackEncoder', () => {
  it('indexes repeating headers once, then sends one byte for each', () => {
    const encoder = new HpackEncoder();
    const decoder = new HpackDecoder();
    const headers = [':method', 'POST', ':path', '/shop.catalog.v1.CatalogService/GetProduct', 'content-type', 'application/grpc', 'x-request-id', 'r1'];
    const policy = (name: string): HeaderIndexing => (name === 'x-request-id' ? 'literal' : 'index');
    const first = encoder.encode(headers, policy);
    const second = encoder.encode(headers, policy);
    expect(decoder.decode(first)).toEqual({ ':method': 'POST', ':path': '/shop.catalog.v1.CatalogService/GetProduct', 'content-type': 'application/grpc', 'x-request-id': 'r1' });
    expect(decoder.decode(second)).toEqual(decoder.decode(first));
    // :method POST (static), :path and content-type (dynamic): a byte each; x-request-id as a literal (1 + 1 + 12 + 1 + 2 bytes).
    expect(second.length).toBe(3 + 17);
  });

  it('writes short and long literals alike, and asks the indexing policy once per name', () => {
    const encoder = new HpackEncoder();
    const decoder = new HpackDecoder();
    const asked: string[] = [];
    const policy = (name: string): HeaderIndexing => (asked.push(name), 'literal');
    const token = `Bearer ${'x'.repeat(300)}`;
    for (let i = 0; i < 3; i++) {
      const headers = ['x-request-id', `r${i}`, 'authorization', token, 'grpc-timeout', '9999m'];
      expect(decoder.decode(encoder.encode(headers, policy))).toEqual({ 'x-request-id': `r${i}`, authorization: token, 'grpc-timeout': '9999m' });
    }
    expect(asked).toEqual(['x-request-id', 'authorization', 'grpc-timeout']);
  });

  it('never indexes credentials', () => {
    const block = new HpackEncoder().encode(['authorization', 'Bearer secret'], () => 'never');
    expect(block[0] & 0xf0).toBe(0x10);
  });

  it('stops indexing when the table would overflow, so no entry is ever evicted', () => {
    const encoder = new HpackEncoder();
    const decoder = new HpackDecoder();
    for (let i = 0; i < 200; i++) {
      const headers = [':path', `/svc/Method${i}`, 'te', 'trailers'];
      expect(decoder.decode(encoder.encode(headers, () => 'index'))).toEqual({ ':path': `/svc/Method${i}`, te: 'trailers' });
    }
  });

  it('announces a smaller table the peer asked for before using it', () => {
    const encoder = new HpackEncoder();
    const decoder = new HpackDecoder();
    decoder.decode(encoder.encode(['a', '1'], () => 'index'));
    encoder.setTableSize(0);
    const block = encoder.encode(['a', '1'], () => 'index');
    expect(block[0]).toBe(0x20);
    expect(decoder.decode(block)).toEqual({ a: '1' });
  });
});
