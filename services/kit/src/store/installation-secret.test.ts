import { installationSecret } from './installation-secret';
import { migrate } from './migrate';
import { describeEachBackend, type TestStore } from './test-backends';

describeEachBackend((backend) => {
  let one: TestStore;
  let other: TestStore;
  beforeAll(async () => {
    one = await backend.open();
    await migrate(one.db, []);
  });
  afterAll(async () => {
    await one?.dispose();
    await other?.dispose();
  });

  it('generates a secret once and keeps it', async () => {
    const first = await installationSecret(one.db, 'page-token');
    expect(first).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await installationSecret(one.db, 'page-token')).toBe(first);
    expect(await installationSecret(one.db, 'another')).not.toBe(first);
  });

  it('agrees on one value when replicas race on the first start', async () => {
    const values = await Promise.all(Array.from({ length: 5 }, () => installationSecret(one.db, 'raced')));
    expect(new Set(values).size).toBe(1);
  });

  it('differs from one installation to the next', async () => {
    // One after the other: the PGlite stores of a suite share one connection (a schema each).
    const first = await installationSecret(one.db, 'page-token');
    await one.dispose();
    other = await backend.open();
    await migrate(other.db, []);
    expect(await installationSecret(other.db, 'page-token')).not.toBe(first);
    one = await backend.open();
  });
});
