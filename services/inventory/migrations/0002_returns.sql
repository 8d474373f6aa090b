-- ReturnReservation: a COMMITTED reservation whose order was cancelled puts
-- its units back on hand (on_hand += q, sold -= q) and becomes RETURNED; the
-- ledger records the change with kind 'return', and release_reason keeps the
-- return's reason too. 0001 is never edited: the CHECK constraints are
-- replaced here.
ALTER TABLE reservations DROP CONSTRAINT reservations_state_known;
ALTER TABLE reservations ADD CONSTRAINT reservations_state_known
  CHECK (state IN ('ACTIVE', 'COMMITTED', 'RELEASED', 'EXPIRED', 'RETURNED'));

ALTER TABLE stock_movements DROP CONSTRAINT stock_movements_kind_known;
ALTER TABLE stock_movements ADD CONSTRAINT stock_movements_kind_known
  CHECK (kind IN ('set', 'adjust', 'reserve', 'release', 'commit', 'expire', 'return'));
