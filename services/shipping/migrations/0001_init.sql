-- One shipment per order, created from the order's OrderConfirmed event.
-- carrier and tracking_number are assigned when the shipment is created;
-- the API shows the tracking number only once the shipment has shipped.
CREATE TABLE shipments (
  id text PRIMARY KEY,
  order_id text NOT NULL UNIQUE,
  -- user_id owns the shipment: the user who placed the order.
  user_id text NOT NULL,
  state text NOT NULL,
  carrier text NOT NULL,
  tracking_number text NOT NULL UNIQUE,
  -- address is the order's shop.common.v1.PostalAddress in proto JSON.
  address jsonb,
  -- ship_after is when the shipment may leave: created plus SHIP_DELAY.
  ship_after timestamptz NOT NULL,
  create_time timestamptz NOT NULL DEFAULT now(),
  update_time timestamptz NOT NULL DEFAULT now(),
  ship_time timestamptz,
  deliver_time timestamptz,
  cancel_time timestamptz,
  cancel_reason text NOT NULL DEFAULT '',
  CONSTRAINT shipments_state_known CHECK (state IN ('PENDING', 'SHIPPED', 'DELIVERED', 'CANCELLED')),
  CONSTRAINT shipments_shipped_has_time CHECK (state NOT IN ('SHIPPED', 'DELIVERED') OR ship_time IS NOT NULL)
);

-- The shipper's query: pending shipments by the time they are due.
CREATE INDEX shipments_pending_by_due ON shipments (ship_after) WHERE state = 'PENDING';

CREATE TABLE shipment_items (
  shipment_id text NOT NULL REFERENCES shipments (id) ON DELETE CASCADE,
  sku text NOT NULL,
  quantity bigint NOT NULL,
  PRIMARY KEY (shipment_id, sku),
  CONSTRAINT shipment_items_quantity_positive CHECK (quantity > 0)
);

-- Orders cancelled before their shipment was created. Events may arrive out
-- of order (RabbitMQ retries), so an OrderConfirmed that comes after its
-- order's OrderCancelled must not create a shipment.
CREATE TABLE cancelled_orders (
  order_id text PRIMARY KEY,
  cancel_time timestamptz NOT NULL DEFAULT now()
);
