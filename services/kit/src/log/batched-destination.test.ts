import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBatchedDestination } from './batched-destination';

describe('createBatchedDestination', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'shop-log-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function open() {
    const file = join(dir, 'out.log');
    const fd = openSync(file, 'w');
    return { file, fd, read: () => readFileSync(file, 'utf8') };
  }

  it('keeps lines in memory until a batch fills, then writes them in order', async () => {
    const { fd, read } = open();
    const out = createBatchedDestination({ fd, batchBytes: 100, flushMs: 60_000 });
    out.write('a\n');
    out.write('b\n');
    await new Promise((r) => setTimeout(r, 30));
    expect(read()).toBe('');
    const lines = Array.from({ length: 20 }, (_, i) => `line ${i} ${'x'.repeat(10)}\n`);
    for (const line of lines) out.write(line);
    await new Promise<void>((resolve, reject) => out.flush((err) => (err ? reject(err) : resolve())));
    expect(read()).toBe(`a\nb\n${lines.join('')}`);
    out.end();
    closeSync(fd);
  });

  it('writes a partial batch when the flush interval passes', async () => {
    const { fd, read } = open();
    const out = createBatchedDestination({ fd, flushMs: 20 });
    out.write('soon\n');
    await new Promise((r) => setTimeout(r, 200));
    expect(read()).toBe('soon\n');
    out.end();
    closeSync(fd);
  });

  it('calls flush back at once when nothing is buffered', async () => {
    const { fd } = open();
    const out = createBatchedDestination({ fd });
    await new Promise<void>((resolve) => out.flush(() => resolve()));
    out.end();
    closeSync(fd);
  });

  it('drops and counts lines beyond the memory bound instead of growing', () => {
    const { fd, read } = open();
    const out = createBatchedDestination({ fd, batchBytes: 1_000_000, maxBufferedBytes: 10, flushMs: 60_000 });
    out.write('12345\n');
    out.write('67890\n');
    expect(out.dropped).toBe(1);
    out.end();
    expect(read()).toBe('12345\n');
    closeSync(fd);
  });

  it('writes what is buffered when the process exits', () => {
    const script = `
      const { createBatchedDestination } = require(${JSON.stringify(join(__dirname, 'batched-destination.ts'))});
      const out = createBatchedDestination({ fd: 1, flushMs: 60000 });
      for (let i = 0; i < 3; i++) out.write('line ' + i + '\\n');
      process.exit(0);
    `;
    const result = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], { encoding: 'utf8' });
    expect(result.stdout).toBe('line 0\nline 1\nline 2\n');
  });
});
