/**
 * MessageReader splits a gRPC response body into its length-prefixed
 * messages (a 1-byte compressed flag, a 4-byte big-endian length, the
 * message). Chunks are kept as they arrive and joined once per message, so a
 * 4 MiB message that comes in 16 KiB frames costs one copy, not hundreds.
 */
export class MessageReader {
  private chunks: Buffer[] = [];
  /** buffered is the number of bytes held: at most one message still arriving, plus its prefix. */
  buffered = 0;

  append(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.buffered += chunk.length;
  }

  /** prefix reads the next message's flag and length, or undefined while fewer than 5 bytes are held. */
  prefix(): { compressed: number; length: number } | undefined {
    if (this.buffered < 5) return undefined;
    let head = this.chunks[0];
    if (head.length < 5) {
      // Join only the first chunks, as many as the 5-byte prefix needs, not the whole message so far.
      let count = 1;
      for (let size = head.length; size < 5; count++) size += this.chunks[count].length;
      head = Buffer.concat(this.chunks.slice(0, count));
      this.chunks.splice(0, count, head);
    }
    return { compressed: head[0], length: head.readUInt32BE(1) };
  }

  /** take removes `size` bytes (a whole framed message) from the front; the caller checked they are held. */
  take(size: number): Buffer {
    const first = this.chunks[0];
    let out: Buffer;
    if (first.length >= size) {
      out = first.subarray(0, size);
      if (first.length === size) this.chunks.shift();
      else this.chunks[0] = first.subarray(size);
    } else {
      out = Buffer.allocUnsafe(size);
      let filled = 0;
      while (filled < size) {
        const chunk = this.chunks[0];
        const part = Math.min(chunk.length, size - filled);
        chunk.copy(out, filled, 0, part);
        filled += part;
        if (part === chunk.length) this.chunks.shift();
        else this.chunks[0] = chunk.subarray(part);
      }
    }
    this.buffered -= size;
    return out;
  }
}
