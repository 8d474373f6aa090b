import type { RuleViolation } from '../contract/rules';

/**
 * What the contract's rules found wrong with a request, attached to the
 * decoded request object by the runtime's deserializer (definition.ts) and
 * answered by the validation step (middleware/validation.ts) in its place in
 * the chain, after authentication. A valid request carries nothing: the
 * common case costs no per-request bookkeeping (a WeakMap entry per request
 * cost several percent of throughput, see BENCHMARKS.md).
 */
export type RequestVerdict = { kind: 'invalid'; violations: RuleViolation[] } | { kind: 'error'; error: unknown };

const VERDICT = Symbol('shop.requestVerdict');

/** attachVerdict marks a request as refused by the rules; the mark is invisible to the handler (not enumerable, a symbol). */
export function attachVerdict(request: object, verdict: RequestVerdict): void {
  Object.defineProperty(request, VERDICT, { value: verdict, enumerable: false });
}

/** verdictOf returns what the rules found wrong with a request, undefined when nothing. */
export function verdictOf(request: unknown): RequestVerdict | undefined {
  return typeof request === 'object' && request !== null ? (request as { [VERDICT]?: RequestVerdict })[VERDICT] : undefined;
}
