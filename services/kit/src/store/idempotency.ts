import type { Database, Queryable } from './types';

/** IdempotencyRequest identifies one logical write: a key the client chose, in a scope (usually the RPC), and a hash of its request (hashRequest). */
export interface IdempotencyRequest {
  scope: string;
  key: string;
  requestHash: string;
}

/** IdempotentOutcome is fn's result, and whether it was replayed from an earlier call instead of running fn. */
export interface IdempotentOutcome<T> {
  result: T;
  replayed: boolean;
}

/**
 * IdempotencyCodec turns a result into a JSON value to store and back. The
 * default stores the result as is, so values JSON cannot carry (Date, bigint,
 * Buffer) need a codec, or a replay would return them changed.
 */
export interface IdempotencyCodec<T> {
  encode(result: T): unknown;
  decode(stored: unknown): T;
}

/**
 * IdempotencyConflictError means the key was used before with a different
 * request. The runtime maps code to a gRPC status; it is a client error, not
 * a retryable one.
 */
export class IdempotencyConflictError extends Error {
  readonly code = 'IDEMPOTENCY_KEY_REUSED';

  constructor(
    readonly scope: string,
    readonly key: string,
  ) {
    super(`idempotency key ${JSON.stringify(key)} was already used in ${scope} for a different request`);
    this.name = 'IdempotencyConflictError';
  }
}

const jsonCodec: IdempotencyCodec<never> = {
  encode: (result) => result,
  decode: (stored) => stored as never,
};

/**
 * runIdempotent runs fn at most once per (scope, key). In one transaction it
 * claims the key with INSERT … ON CONFLICT DO NOTHING; if the claim is new it
 * runs fn(tx) and stores fn's result with it, so the write and the stored
 * response commit or roll back together (a failed fn leaves the key free for
 * a retry). If the key was already claimed with the same request hash, the
 * stored result is returned without running fn; with a different hash it
 * throws IdempotencyConflictError.
 *
 * Concurrent duplicates: on PostgreSQL the second INSERT waits on the first
 * one's uncommitted row, then sees the conflict once it commits and reads the
 * stored result (read committed takes a fresh snapshot per statement, hence
 * the explicit isolation). On PGlite transactions run one at a time.
 *
 * The idempotency_keys table is created by migrate() (see kit-tables.ts).
 */
export async function runIdempotent<T>(
  db: Database,
  request: IdempotencyRequest,
  fn: (tx: Queryable) => Promise<T>,
  codec: IdempotencyCodec<T> = jsonCodec as IdempotencyCodec<T>,
): Promise<IdempotentOutcome<T>> {
  const { scope, key, requestHash } = request;
  if (!scope || !key) throw new TypeError('runIdempotent needs a non-empty scope and key');
  return db.transaction(
    async (tx) => {
      const claim = await tx.query(
        'INSERT INTO idempotency_keys (scope, key, request_hash, created_at) VALUES ($1, $2, $3, now()) ON CONFLICT (scope, key) DO NOTHING',
        [scope, key, requestHash],
      );
      if (claim.rowCount === 1) {
        const result = await fn(tx);
        // undefined is stored as SQL NULL and comes back as undefined; JSON null stays null.
        const encoded = codec.encode(result);
        await tx.query('UPDATE idempotency_keys SET response = $3::jsonb WHERE scope = $1 AND key = $2', [
          scope,
          key,
          encoded === undefined ? null : JSON.stringify(encoded),
        ]);
        return { result, replayed: false };
      }
      const { rows } = await tx.query<{ request_hash: string; response: unknown; no_response: boolean }>(
        'SELECT request_hash, response, response IS NULL AS no_response FROM idempotency_keys WHERE scope = $1 AND key = $2',
        [scope, key],
      );
      const stored = rows[0];
      if (stored === undefined) throw new Error(`idempotency key ${JSON.stringify(key)} in ${scope} conflicted but cannot be read`);
      if (stored.request_hash !== requestHash) throw new IdempotencyConflictError(scope, key);
      // Both SQL NULL (fn returned undefined) and JSON null arrive as null; no_response tells them apart.
      return { result: codec.decode(stored.no_response ? undefined : stored.response), replayed: true };
    },
    { isolation: 'read committed' },
  );
}
