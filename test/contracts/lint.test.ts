import { bin, run } from '../support/repo';

describe('the contracts', () => {
  it('pass buf lint (STANDARD and COMMENTS)', () => {
    const result = run(bin('buf'), ['lint']);
    expect(result.output).toBe('');
    expect(result.status).toBe(0);
  });

  it('are formatted as buf format writes them', () => {
    const result = run(bin('buf'), ['format', 'proto', '--diff', '--exit-code']);
    expect(result.stdout).toBe('');
    expect(result.status).toBe(0);
  });

  it('do not break clients of the released contract', () => {
    const result = run('node', ['scripts/breaking.js']);
    expect(result.output).toBe('');
    expect(result.status).toBe(0);
  });
});
