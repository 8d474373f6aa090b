/**
 * PaymentTokens holds the payment tokens of orders whose charge may still be
 * sent, in this process's memory only. The token is a payment credential:
 * it goes from PlaceOrder to PaymentService.Charge and is never written to
 * the orders database, a log or an event. The cost of that is a rule of the
 * saga: a replica that recovers another's checkout (after a crash) has no
 * token, so it cannot send a charge that was never sent; it asks payments
 * what happened under the charge's key instead (FindCharge), and fails the
 * order, with nothing charged, when nothing was. A client that retries
 * PlaceOrder with the same idempotency key supplies the token again.
 */
export interface PaymentTokens {
  /** keep holds an order's token until the saga forgets it, at most ttlMs. */
  keep(orderId: string, token: string): void;
  /** get returns the order's token while it is held. */
  get(orderId: string): string | undefined;
  /** forget drops the order's token (its charge's outcome is known). */
  forget(orderId: string): void;
  readonly size: number;
}

/** PaymentTokensOptions bound the holder. */
export interface PaymentTokensOptions {
  /** ttlMs is the longest a token is held (a saga normally charges within seconds). */
  ttlMs: number;
  /** maxEntries bounds memory: the oldest token goes when it is full. */
  maxEntries: number;
  now?: () => number;
}

/** createPaymentTokens makes the in-memory holder. */
export function createPaymentTokens(options: PaymentTokensOptions): PaymentTokens {
  const now = options.now ?? Date.now;
  // A Map iterates in insertion order, so its first key is the oldest entry.
  const held = new Map<string, { token: string; until: number }>();
  return {
    keep(orderId, token) {
      held.delete(orderId);
      if (held.size >= options.maxEntries) held.delete(held.keys().next().value as string);
      held.set(orderId, { token, until: now() + options.ttlMs });
    },
    get(orderId) {
      const entry = held.get(orderId);
      if (entry === undefined) return undefined;
      if (entry.until > now()) return entry.token;
      held.delete(orderId);
      return undefined;
    },
    forget(orderId) {
      held.delete(orderId);
    },
    get size() {
      return held.size;
    },
  };
}
