import { MessageReader } from './message-reader';

function framed(body: Buffer): Buffer {
  const prefix = Buffer.alloc(5);
  prefix.writeUInt32BE(body.length, 1);
  return Buffer.concat([prefix, body]);
}

describe('MessageReader', () => {
  it('reads messages however the bytes are split, down to one byte per chunk', () => {
    const bodies = [Buffer.alloc(0), Buffer.from('a'), Buffer.alloc(200, 7), Buffer.from('xyz')];
    const wire = Buffer.concat(bodies.map(framed));
    for (const step of [1, 2, 3, 5, 7, wire.length]) {
      const reader = new MessageReader();
      const out: Buffer[] = [];
      for (let i = 0; i < wire.length; i += step) {
        reader.append(wire.subarray(i, i + step));
        for (let head = reader.prefix(); head !== undefined && reader.buffered >= 5 + head.length; head = reader.prefix()) {
          expect(head.compressed).toBe(0);
          out.push(Buffer.from(reader.take(5 + head.length).subarray(5)));
        }
      }
      expect(out).toEqual(bodies);
      expect(reader.buffered).toBe(0);
    }
  });
});
