import path from 'node:path';
import pino from 'pino';
import { createPgliteDatabase, loadMigrations, migrate, type Database } from '@shop/kit';
import { createKeyRing, type KeyRing } from './key-ring';

const MIN = 60_000;
const DAY = 24 * 60 * MIN;
const policy = { rotationMs: 30 * DAY, activationDelayMs: MIN, accessTtlMs: 15 * MIN, retireMarginMs: 5 * MIN };

describe('the key ring', () => {
  let db: Database;
  let clock: number;
  const rings: KeyRing[] = [];

  beforeAll(async () => {
    db = await createPgliteDatabase({});
    await migrate(db, await loadMigrations(path.join(__dirname, '..', '..', 'migrations')));
  });
  beforeEach(async () => {
    await db.query('DELETE FROM signing_keys');
    clock = Date.UTC(2030, 0, 1);
  });
  afterEach(async () => {
    await Promise.all(rings.splice(0).map((r) => r.stop()));
  });
  afterAll(async () => {
    await db.close();
  });

  async function ring(): Promise<KeyRing> {
    const created = await createKeyRing({ db, log: pino({ level: 'silent' }), policy, now: () => clock, syncIntervalMs: 60 * MIN });
    rings.push(created);
    return created;
  }

  it('creates a key on first start and signs with it at once', async () => {
    const keys = await ring();
    const [published] = keys.publicJwks();
    expect(keys.publicJwks()).toHaveLength(1);
    expect(keys.signingKey().kid).toBe(published?.kid);
    expect(published).not.toHaveProperty('d');
  });

  it('publishes a successor at the rotation age, signs with it after the delay and retires the old key later', async () => {
    const keys = await ring();
    const first = keys.signingKey().kid;

    clock += 30 * DAY;
    await keys.sync();
    const kids = keys.publicJwks().map((k) => k.kid);
    expect(kids).toHaveLength(2);
    const second = kids.find((kid) => kid !== first);
    // Published, but not signing until it has been in the key set for the activation delay.
    expect(keys.signingKey().kid).toBe(first);

    clock += MIN;
    expect(keys.signingKey().kid).toBe(second);

    // The old key stays published while tokens it signed may be valid: access TTL plus margin after the switch.
    clock += 20 * MIN - 1;
    await keys.sync();
    expect(keys.publicJwks().map((k) => k.kid)).toContain(first);
    clock += 1;
    await keys.sync();
    expect(keys.publicJwks().map((k) => k.kid)).toEqual([second]);
    expect((await db.query('SELECT kid FROM signing_keys')).rows).toEqual([{ kid: second }]);
  });

  it('lets replicas on one database agree on one key and one successor', async () => {
    const a = await ring();
    const b = await ring();
    expect(b.signingKey().kid).toBe(a.signingKey().kid);

    clock += 30 * DAY + MIN;
    await Promise.all([a.sync(), b.sync()]);
    expect((await db.query('SELECT kid FROM signing_keys')).rowCount).toBe(2);
    clock += MIN;
    expect(a.signingKey().kid).toBe(b.signingKey().kid);
  });
});
