import { randomUUID } from 'node:crypto';

/**
 * Lease names one caller's turn at the provider for a payment or refund:
 * owner is written to lease_owner, and the lease runs ms milliseconds from
 * the database's now. Outcomes the provider decided (captured, declined,
 * refunded) may be recorded by anyone, since every caller uses the same
 * idempotency key and gets the same answer; "nothing was charged" and
 * "release" only by the owner, so a caller whose lease ran out cannot undo
 * the work of the one that took over.
 */
export interface Lease {
  owner: string;
  ms: number;
}

/** newLease makes a lease for one attempt. */
export function newLease(ms: number): Lease {
  return { owner: randomUUID(), ms };
}

/** leaseUntil is the SQL for the database's now plus the milliseconds in parameter $n. */
export function leaseUntil(n: number): string {
  return `now() + $${n}::bigint * interval '1 millisecond'`;
}

/** isUniqueViolation tells whether err is PostgreSQL's unique_violation on the named constraint or index. */
export function isUniqueViolation(err: unknown, constraint: string): boolean {
  const e = err as { code?: unknown; constraint?: unknown } | null;
  return e?.code === '23505' && (e.constraint === undefined || e.constraint === constraint);
}
