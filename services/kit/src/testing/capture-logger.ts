import { Writable } from 'node:stream';
import pino, { type Logger } from 'pino';

/** captureLogger returns a JSON logger whose lines are kept in `lines` for assertions. */
export function captureLogger(): { log: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) lines.push(JSON.parse(line));
      done();
    },
  });
  return { log: pino({ level: 'debug' }, sink), lines };
}

/** captureLines is a pino destination that keeps each written line, and the lines parsed. */
export function captureLines() {
  const lines: string[] = [];
  const destination = { write: (line: string) => void lines.push(line) };
  const records = () => lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  return { lines, destination, records };
}
