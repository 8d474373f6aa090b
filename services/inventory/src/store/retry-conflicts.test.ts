import { retryConflicts } from './retry-conflicts';

const sqlError = (code: string) => Object.assign(new Error(`sqlstate ${code}`), { code });

describe('retryConflicts', () => {
  it('runs the transaction again after a deadlock or serialization failure', async () => {
    const failures = [sqlError('40P01'), sqlError('40001')];
    let calls = 0;
    const result = await retryConflicts(async () => {
      calls += 1;
      const next = failures.shift();
      if (next) throw next;
      return 'done';
    });
    expect(result).toBe('done');
    expect(calls).toBe(3);
  });

  it('gives up after the last attempt with the database error', async () => {
    let calls = 0;
    const err = await retryConflicts(async () => {
      calls += 1;
      throw sqlError('40001');
    }, 3).catch((e: unknown) => e);
    expect((err as { code: string }).code).toBe('40001');
    expect(calls).toBe(3);
  });

  it('never retries other errors, such as a check violation or a domain error', async () => {
    let calls = 0;
    await expect(
      retryConflicts(async () => {
        calls += 1;
        throw sqlError('23514');
      }),
    ).rejects.toThrow('23514');
    expect(calls).toBe(1);
  });
});
