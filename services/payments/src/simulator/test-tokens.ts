/** TokenBehaviour is what the simulator does with a charge made with a token. */
export type TokenBehaviour =
  | { kind: 'approve' }
  | { kind: 'decline'; code: string; message: string }
  | { kind: 'error' }
  | { kind: 'slow' }
  | { kind: 'drop' };

/**
 * TEST_TOKENS are the payment tokens the simulated provider understands
 * (services/payments/README.md lists them for clients):
 *
 * - tok_approve: the charge succeeds;
 * - tok_decline: declined, 402 card_declined;
 * - tok_insufficient_funds: declined, 402 insufficient_funds;
 * - tok_error: 500 api_error; nothing is charged or remembered, so a retry
 *   with the same key meets the same error;
 * - tok_slow: recorded at once as pending, answered (succeeded) after the
 *   slow delay (SIMULATOR_SLOW, 10 s), even if the caller gave up: the
 *   ambiguous case a timeout creates;
 * - tok_drop: the charge succeeds but the connection is closed without an
 *   answer: the same ambiguity without the wait.
 */
export const TEST_TOKENS: Readonly<Record<string, TokenBehaviour>> = {
  tok_approve: { kind: 'approve' },
  tok_decline: { kind: 'decline', code: 'card_declined', message: 'Your card was declined.' },
  tok_insufficient_funds: { kind: 'decline', code: 'insufficient_funds', message: 'Your card has insufficient funds.' },
  tok_error: { kind: 'error' },
  tok_slow: { kind: 'slow' },
  tok_drop: { kind: 'drop' },
};

/** UNKNOWN_TOKEN is how any other token is answered: a decline, as a card network refuses a card it does not know. */
export const UNKNOWN_TOKEN: TokenBehaviour = { kind: 'decline', code: 'invalid_token', message: 'Your payment method is not valid.' };

/** behaviourOf looks a token up. */
export function behaviourOf(token: string): TokenBehaviour {
  return Object.hasOwn(TEST_TOKENS, token) ? TEST_TOKENS[token]! : UNKNOWN_TOKEN;
}
