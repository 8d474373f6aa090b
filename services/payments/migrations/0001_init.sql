-- One row per Charge idempotency key: the payment ledger.
--
-- The row is written PENDING before the provider is called with the same
-- key, then settled CAPTURED, DECLINED or FAILED. attempt_until and
-- lease_owner are the lease of the provider call in progress: while
-- attempt_until lies in the future, the caller named by lease_owner talks to
-- the provider and repeats wait for its outcome.
CREATE TABLE payments (
  id text PRIMARY KEY,
  idempotency_key text NOT NULL UNIQUE,
  -- request_hash identifies the request the key was first used with (order,
  -- user, amount, currency and token); the token itself is never stored.
  request_hash text NOT NULL,
  order_id text NOT NULL,
  user_id text NOT NULL,
  currency text NOT NULL,
  amount_minor bigint NOT NULL,
  refunded_minor bigint NOT NULL DEFAULT 0,
  state text NOT NULL,
  provider text NOT NULL,
  provider_reference text NOT NULL DEFAULT '',
  failure_reason text NOT NULL DEFAULT '',
  -- attempts counts the times the charge was sent (or about to be sent) to the provider.
  attempts integer NOT NULL DEFAULT 1,
  attempt_until timestamptz,
  lease_owner text,
  create_time timestamptz NOT NULL DEFAULT now(),
  update_time timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT payments_state_known CHECK (state IN ('PENDING', 'CAPTURED', 'DECLINED', 'FAILED', 'PARTIALLY_REFUNDED', 'REFUNDED')),
  CONSTRAINT payments_amount_positive CHECK (amount_minor > 0),
  CONSTRAINT payments_refunded_within_amount CHECK (refunded_minor >= 0 AND refunded_minor <= amount_minor),
  -- refunded_minor and state agree: only refunded states have refunds, and REFUNDED means all of it.
  CONSTRAINT payments_refunded_matches_state CHECK (
    (state = 'REFUNDED' AND refunded_minor = amount_minor)
    OR (state = 'PARTIALLY_REFUNDED' AND refunded_minor > 0 AND refunded_minor < amount_minor)
    OR (state NOT IN ('REFUNDED', 'PARTIALLY_REFUNDED') AND refunded_minor = 0)
  )
);

-- The ledger invariant: at most one live payment per order. A capture
-- (CAPTURED, PARTIALLY_REFUNDED, REFUNDED) is live, and so is a PENDING
-- payment, which may turn out to be a capture: letting a second key charge
-- the order meanwhile could take the money twice at the provider.
-- DECLINED and FAILED took nothing and do not count.
CREATE UNIQUE INDEX payments_one_live_per_order ON payments (order_id)
  WHERE state IN ('PENDING', 'CAPTURED', 'PARTIALLY_REFUNDED', 'REFUNDED');

-- The reconciler's query: unsettled payments by age.
CREATE INDEX payments_pending_by_age ON payments (update_time) WHERE state = 'PENDING';

-- One row per Refund idempotency key. Only SUCCEEDED refunds count in
-- payments.refunded_minor and are shown; a PENDING one holds its amount
-- against the payment until it is settled, so concurrent refunds can never
-- add up to more than was captured.
CREATE TABLE refunds (
  id text PRIMARY KEY,
  seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
  payment_id text NOT NULL REFERENCES payments (id),
  idempotency_key text NOT NULL UNIQUE,
  request_hash text NOT NULL,
  amount_minor bigint NOT NULL,
  reason text NOT NULL DEFAULT '',
  state text NOT NULL,
  provider_reference text NOT NULL DEFAULT '',
  failure_reason text NOT NULL DEFAULT '',
  attempt_until timestamptz,
  lease_owner text,
  create_time timestamptz NOT NULL DEFAULT now(),
  update_time timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT refunds_state_known CHECK (state IN ('PENDING', 'SUCCEEDED', 'FAILED')),
  CONSTRAINT refunds_amount_positive CHECK (amount_minor > 0)
);

CREATE INDEX refunds_by_payment ON refunds (payment_id, seq);
CREATE INDEX refunds_pending_by_age ON refunds (update_time) WHERE state = 'PENDING';
