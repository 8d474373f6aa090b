-- migration: compatible
-- (Data only: the release before this one runs unchanged; it still writes
-- payment_token while it runs, and this release clears it on every save.)
--
-- PlaceOrder's payment token is never stored: the orders service keeps it in
-- memory for the charge step (src/saga/payment-tokens.ts). Tokens that
-- earlier releases kept here for checkouts still in flight are erased; such
-- a checkout asks payments what happened under its charge's key instead
-- (FindCharge). The column stays until a later release drops it.
UPDATE order_sagas SET payment_token = NULL WHERE payment_token IS NOT NULL;
COMMENT ON COLUMN order_sagas.payment_token IS 'unused: payment tokens are never stored (see migration 0002)';
