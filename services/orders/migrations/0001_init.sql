-- Orders: the resource customers see. Everything but the state fields is
-- written once, when the order is placed, with prices copied from the
-- catalog. (user_id, idempotency_key) is unique: it is what makes PlaceOrder
-- idempotent, and two concurrent duplicates cannot both insert.
CREATE TABLE orders (
  id uuid PRIMARY KEY,
  -- seq orders listings newest first (keyset pages); ids are random.
  seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
  user_id text NOT NULL,
  idempotency_key text NOT NULL,
  -- request_hash is the hash of the PlaceOrder request, to tell a retry from a reused key.
  request_hash text NOT NULL,
  state text NOT NULL,
  currency_code text NOT NULL,
  total_minor bigint NOT NULL,
  shipping_address jsonb NOT NULL,
  payment_id text NOT NULL DEFAULT '',
  shipment_id text NOT NULL DEFAULT '',
  failure_reason text NOT NULL DEFAULT '',
  version bigint NOT NULL DEFAULT 1,
  create_time timestamptz NOT NULL DEFAULT now(),
  update_time timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT orders_state_known CHECK (state IN ('PENDING', 'CONFIRMED', 'SHIPPED', 'CANCELLED', 'FAILED')),
  CONSTRAINT orders_total_positive CHECK (total_minor > 0),
  CONSTRAINT orders_idempotency_key_unique UNIQUE (user_id, idempotency_key)
);

CREATE INDEX orders_by_user ON orders (user_id, seq DESC);
CREATE INDEX orders_by_state ON orders (state, seq DESC);

-- order_items are an order's products in the order the client sent them.
CREATE TABLE order_items (
  order_id uuid NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
  position integer NOT NULL,
  product_id text NOT NULL,
  sku text NOT NULL,
  name text NOT NULL,
  quantity bigint NOT NULL,
  unit_price_minor bigint NOT NULL,
  PRIMARY KEY (order_id, position),
  CONSTRAINT order_items_quantity_positive CHECK (quantity > 0),
  CONSTRAINT order_items_price_positive CHECK (unit_price_minor > 0)
);

-- order_state_changes is the history of an order's state, one row per
-- change (the first is PENDING), written in the transaction of the change.
-- WatchOrder streams it, so a watcher on any replica sees every state.
CREATE TABLE order_state_changes (
  order_id uuid NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
  version bigint NOT NULL,
  state text NOT NULL,
  payment_id text NOT NULL,
  shipment_id text NOT NULL,
  failure_reason text NOT NULL,
  at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (order_id, version)
);

-- order_sagas is the checkout saga of each order: its persisted state
-- machine (state, see src/domain/saga.ts) and who drives it. A process
-- drives a saga only while it holds the lease (lease_owner, lease_until);
-- the recovery loop claims sagas that are not DONE, are due
-- (next_attempt_at) and whose lease has expired.
CREATE TABLE order_sagas (
  order_id uuid PRIMARY KEY REFERENCES orders (id) ON DELETE CASCADE,
  phase text NOT NULL,
  state jsonb NOT NULL,
  -- payment_token is kept only while the charge step may still need it
  -- (a retry after a crash) and set to NULL once the charge's outcome is known.
  payment_token text,
  lease_owner text,
  lease_until timestamptz,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  update_time timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT order_sagas_phase_known CHECK (phase IN ('FORWARD', 'COMPENSATING', 'DONE'))
);

CREATE INDEX order_sagas_due ON order_sagas (next_attempt_at) WHERE phase <> 'DONE';

-- saga_log records every step of every saga as it happens: 'started' before
-- the remote call, then 'succeeded', 'failed' or 'retry' after it. It is
-- for audits and support; the saga resumes from order_sagas.state.
CREATE TABLE saga_log (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  order_id uuid NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
  step text NOT NULL,
  event text NOT NULL,
  detail text NOT NULL DEFAULT '',
  owner text NOT NULL DEFAULT '',
  at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT saga_log_event_known CHECK (event IN ('started', 'succeeded', 'failed', 'retry', 'finished'))
);

CREATE INDEX saga_log_by_order ON saga_log (order_id, id);
