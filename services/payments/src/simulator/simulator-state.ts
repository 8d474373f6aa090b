import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** SimCharge is a charge as the simulator keeps it and answers it (Stripe's charge object, trimmed). */
export interface SimCharge {
  id: string;
  object: 'charge';
  idempotency_key: string;
  /** request_hash identifies the parameters the key was first used with. */
  request_hash: string;
  amount: number;
  amount_refunded: number;
  currency: string;
  status: 'pending' | 'succeeded' | 'failed';
  failure_code: string | null;
  failure_message: string | null;
  metadata: { order_id?: string };
  /** created is a Unix time in seconds. */
  created: number;
}

/** SimRefund is a refund as the simulator keeps it and answers it. */
export interface SimRefund {
  id: string;
  object: 'refund';
  idempotency_key: string;
  request_hash: string;
  charge: string;
  amount: number;
  currency: string;
  status: 'succeeded';
  created: number;
}

type JournalLine = { charge: SimCharge } | { refund: SimRefund };

/**
 * SimulatorState holds the simulator's charges and refunds, by id and by
 * idempotency key. With a directory, every change is appended to
 * `journal.jsonl` there (one full record a line, the last line of a record
 * wins) before the simulator answers, so a restart, even after kill -9,
 * forgets nothing it confirmed. The write is synchronous to the OS, not
 * fsync'd: an OS crash may lose the last lines, which is fine for a
 * development simulator.
 */
export class SimulatorState {
  private readonly chargesById = new Map<string, SimCharge>();
  private readonly chargesByKey = new Map<string, SimCharge>();
  private readonly refundsByKey = new Map<string, SimRefund>();
  private readonly journal: string | undefined;

  constructor(dir?: string) {
    this.journal = dir === undefined ? undefined : path.join(dir, 'journal.jsonl');
  }

  /**
   * load reads the journal, if any. A charge still pending when the
   * simulator stopped is completed as succeeded: like a real provider, it
   * finishes work it accepted, and the caller learns the outcome by
   * reconciling. A torn last line (a crash mid-write) is skipped.
   */
  load(): void {
    if (this.journal === undefined) return;
    mkdirSync(path.dirname(this.journal), { recursive: true });
    let text = '';
    try {
      text = readFileSync(this.journal, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      let record: JournalLine;
      try {
        record = JSON.parse(line) as JournalLine;
      } catch {
        continue;
      }
      if ('charge' in record) this.index(record.charge);
      else this.refundsByKey.set(record.refund.idempotency_key, record.refund);
    }
    for (const charge of this.chargesById.values()) {
      if (charge.status === 'pending') this.saveCharge({ ...charge, status: 'succeeded' });
    }
  }

  chargeByKey(key: string): SimCharge | undefined {
    return this.chargesByKey.get(key);
  }

  chargeById(id: string): SimCharge | undefined {
    return this.chargesById.get(id);
  }

  refundByKey(key: string): SimRefund | undefined {
    return this.refundsByKey.get(key);
  }

  /** charges lists every charge, oldest first. */
  charges(): SimCharge[] {
    return [...this.chargesById.values()];
  }

  /** saveCharge records a new or changed charge, journal first. */
  saveCharge(charge: SimCharge): SimCharge {
    this.append({ charge });
    this.index(charge);
    return charge;
  }

  /** saveRefund records a refund and the charge's new refunded amount. */
  saveRefund(refund: SimRefund, charge: SimCharge): void {
    this.append({ refund });
    this.refundsByKey.set(refund.idempotency_key, refund);
    this.saveCharge(charge);
  }

  private index(charge: SimCharge): void {
    // Map.set on an existing key keeps its insertion position, so charges() stays oldest first.
    this.chargesById.set(charge.id, charge);
    this.chargesByKey.set(charge.idempotency_key, charge);
  }

  private append(line: JournalLine): void {
    if (this.journal !== undefined) appendFileSync(this.journal, JSON.stringify(line) + '\n');
  }
}
