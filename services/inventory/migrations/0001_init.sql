-- Stock per SKU. The CHECK constraints are the last line of defence: the
-- service keeps these invariants with conditional UPDATEs, and a bug that
-- slipped past them fails the transaction instead of corrupting the counts.
CREATE TABLE stock (
  sku text PRIMARY KEY,
  on_hand bigint NOT NULL DEFAULT 0,
  reserved bigint NOT NULL DEFAULT 0,
  sold bigint NOT NULL DEFAULT 0,
  update_time timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT stock_on_hand_not_negative CHECK (on_hand >= 0),
  CONSTRAINT stock_reserved_not_negative CHECK (reserved >= 0),
  CONSTRAINT stock_reserved_within_on_hand CHECK (reserved <= on_hand),
  CONSTRAINT stock_sold_not_negative CHECK (sold >= 0)
);

-- One row per ReserveStock; reservation_id is the caller's idempotency key.
CREATE TABLE reservations (
  reservation_id text PRIMARY KEY,
  order_id text NOT NULL,
  state text NOT NULL,
  expire_time timestamptz NOT NULL,
  create_time timestamptz NOT NULL DEFAULT now(),
  update_time timestamptz NOT NULL DEFAULT now(),
  -- release_reason is what the caller of ReleaseReservation gave, for support.
  release_reason text NOT NULL DEFAULT '',
  CONSTRAINT reservations_state_known CHECK (state IN ('ACTIVE', 'COMMITTED', 'RELEASED', 'EXPIRED'))
);

-- The sweeper's query: active reservations by expiry.
CREATE INDEX reservations_active_by_expiry ON reservations (expire_time) WHERE state = 'ACTIVE';

CREATE TABLE reservation_items (
  reservation_id text NOT NULL REFERENCES reservations (reservation_id) ON DELETE CASCADE,
  sku text NOT NULL,
  quantity bigint NOT NULL,
  PRIMARY KEY (reservation_id, sku),
  CONSTRAINT reservation_items_quantity_positive CHECK (quantity > 0)
);

-- The audit ledger: every change of a stock level, appended in the same
-- transaction as the change. quantity is the signed change of on_hand for
-- 'set' and 'adjust', and the units held, returned or sold (always > 0) for
-- the reservation kinds. on_hand_after and reserved_after are the level
-- right after the change.
CREATE TABLE stock_movements (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  sku text NOT NULL,
  kind text NOT NULL,
  quantity bigint NOT NULL,
  on_hand_after bigint NOT NULL,
  reserved_after bigint NOT NULL,
  reason text NOT NULL DEFAULT '',
  reservation_id text,
  -- actor is the admin user id or the calling service, '' for the sweeper and demo data.
  actor text NOT NULL DEFAULT '',
  at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT stock_movements_kind_known CHECK (kind IN ('set', 'adjust', 'reserve', 'release', 'commit', 'expire'))
);

CREATE INDEX stock_movements_by_sku ON stock_movements (sku, id);

-- Append-only: rows are never changed or removed, even by a buggy release.
CREATE FUNCTION stock_movements_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'stock_movements is append-only' USING ERRCODE = 'object_not_in_prerequisite_state';
END
$$;

CREATE TRIGGER stock_movements_append_only
  BEFORE UPDATE OR DELETE ON stock_movements
  FOR EACH ROW EXECUTE FUNCTION stock_movements_append_only();
