import type { Logger } from 'pino';
import type { Database } from '@shop/kit';
import type { Credentials } from '../auth/credentials';
import type { KeyRing } from '../auth/key-ring';
import type { RevocationFeed } from '../auth/revocation-feed';
import type { Sessions } from '../auth/sessions';

/** HandlerDeps are what the users and auth handlers work with. */
export interface HandlerDeps {
  db: Database;
  log: Logger;
  credentials: Credentials;
  sessions: Sessions;
  ring: KeyRing;
  revocations: RevocationFeed;
  now: () => number;
}
