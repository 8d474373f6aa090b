import type { Queryable } from './types';

/**
 * KIT_TABLES_SQL creates the tables the kit itself owns in every service's
 * schema: the migration ledger, the idempotency keys used by runIdempotent,
 * and the event tables of the events module (outbox and feed head on the
 * producing side, inbox and feed positions on the consuming side; see
 * "Events" in services/kit/README.md). migrate() runs it before the
 * service's own migrations, so a service that migrates can use
 * runIdempotent, appendEvents and consumers without a migration of its own.
 * The statements are idempotent; a future change to these tables needs a new
 * statement here that is idempotent as well (ALTER TABLE … ADD COLUMN IF NOT
 * EXISTS), since they are not versioned with the service's migrations.
 */
export const KIT_TABLES_SQL = `
CREATE TABLE IF NOT EXISTS schema_migrations (
  version integer PRIMARY KEY,
  name text NOT NULL,
  checksum text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
);
-- compatible records a migration's "-- migration: compatible" mark, so that
-- code older than the schema can tell whether it may run (see migrate()).
ALTER TABLE schema_migrations ADD COLUMN IF NOT EXISTS compatible boolean NOT NULL DEFAULT false;
CREATE TABLE IF NOT EXISTS idempotency_keys (
  scope text NOT NULL,
  key text NOT NULL,
  request_hash text NOT NULL,
  response jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (scope, key)
);
-- event_outbox holds the events a service emitted, written in the
-- transaction that made the change. seq is the write order; position is the
-- event's place in the service's feed, assigned by the relay once the event
-- is published (embedded: when it is given a position; RabbitMQ: after the
-- broker confirmed it). lease_until keeps other relays off rows one relay is
-- publishing to RabbitMQ.
CREATE TABLE IF NOT EXISTS event_outbox (
  seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  event_id text NOT NULL UNIQUE,
  event_type text NOT NULL,
  subject text NOT NULL,
  envelope bytea NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  position bigint UNIQUE,
  published_at timestamptz,
  lease_until timestamptz,
  attempts integer NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS event_outbox_unpublished ON event_outbox (seq) WHERE position IS NULL;
-- event_feed_head is one row: the last feed position given out. It survives
-- the pruning of old outbox rows, so positions are never reused.
CREATE TABLE IF NOT EXISTS event_feed_head (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  last_position bigint NOT NULL
);
INSERT INTO event_feed_head (singleton, last_position) VALUES (true, 0) ON CONFLICT (singleton) DO NOTHING;
-- event_inbox records every event a consumer has applied, in the same
-- transaction as its effect, so a redelivered event is recognised by its id.
CREATE TABLE IF NOT EXISTS event_inbox (
  event_id text PRIMARY KEY,
  event_type text NOT NULL,
  source text NOT NULL,
  processed_at timestamptz NOT NULL DEFAULT now()
);
-- event_feed_positions is, per producing service, the feed position of the
-- last event this service has processed (embedded transport only).
CREATE TABLE IF NOT EXISTS event_feed_positions (
  source text PRIMARY KEY,
  position bigint NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);
-- A commit that writes events or moves the feed head tells the relays and
-- the waiting feed pulls of every replica (LISTEN "<schema>__outbox" and
-- "<schema>__feed"; see notifications.ts), so they sleep instead of polling.
CREATE OR REPLACE FUNCTION kit_notify_topic() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify(TG_TABLE_SCHEMA || '__' || TG_ARGV[0], '');
  RETURN NULL;
END $$;
CREATE OR REPLACE TRIGGER event_outbox_notify AFTER INSERT ON event_outbox FOR EACH STATEMENT EXECUTE FUNCTION kit_notify_topic('outbox');
CREATE OR REPLACE TRIGGER event_feed_head_notify AFTER UPDATE ON event_feed_head FOR EACH STATEMENT EXECUTE FUNCTION kit_notify_topic('feed');
-- kit_secrets holds secrets an installation generates for itself when none
-- is configured (installationSecret), so each has its own and keeps it.
CREATE TABLE IF NOT EXISTS kit_secrets (
  name text PRIMARY KEY,
  value text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
`;

/** createKitTables runs KIT_TABLES_SQL; call it inside the migration lock. */
export async function createKitTables(tx: Queryable): Promise<void> {
  await tx.query(KIT_TABLES_SQL);
}
