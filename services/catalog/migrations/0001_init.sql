-- products holds the catalog. Prices are integer minor units (never floats).
--
-- seq is a server-assigned, strictly increasing creation sequence. It is the
-- keyset for the "create_time" orders: unique (no ties to break) and always
-- larger for a later insert, so a product created while a client pages sorts
-- after every product that existed when the listing began, whatever clock
-- create_time was read from.
--
-- name_key is the name folded to lower case by the service (JavaScript's
-- locale-independent toLowerCase), compared byte-wise (COLLATE "C"): the
-- "name" orders and name_contains filter are then identical on PGlite and on
-- any PostgreSQL, whatever the database's locale.
CREATE TABLE products (
  id uuid PRIMARY KEY,
  seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
  sku text NOT NULL UNIQUE CHECK (sku ~ '^[A-Z0-9-]{3,64}$'),
  name text NOT NULL,
  name_key text COLLATE "C" NOT NULL,
  description text NOT NULL DEFAULT '',
  price_currency text NOT NULL CHECK (price_currency ~ '^[A-Z]{3}$'),
  price_minor bigint NOT NULL CHECK (price_minor > 0),
  category text NOT NULL DEFAULT '',
  image_url text NOT NULL DEFAULT '',
  create_time timestamptz NOT NULL DEFAULT now(),
  update_time timestamptz NOT NULL DEFAULT now(),
  version bigint NOT NULL DEFAULT 1 CHECK (version >= 1)
);

-- One index per list order (seq is covered by its UNIQUE constraint), each
-- ending in the tiebreak so the keyset condition (key, id) > ($1, $2) is a
-- range scan, and the same three led by category for the category filter.
CREATE INDEX products_name_key_id ON products (name_key, id);
CREATE INDEX products_price_id ON products (price_minor, id);
CREATE INDEX products_category_seq ON products (category, seq);
CREATE INDEX products_category_name_key_id ON products (category, name_key, id);
CREATE INDEX products_category_price_id ON products (category, price_minor, id);
