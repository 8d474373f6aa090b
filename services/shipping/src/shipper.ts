import { createLoop, listenWhileRunning, type BackgroundWork, type Database } from '@shop/kit';
import type { Logger } from 'pino';
import { shipDueShipments } from './operations/ship-due-shipments';
import { msUntilNextDue, SHIPMENTS_TOPIC } from './store/shipment-repo';

/** ShipperOptions configure createShipper. */
export interface ShipperOptions {
  db: Database;
  batchSize: number;
  /** maxIdleMs is the longest the shipper sleeps with nothing due and no notification (SHIP_POLL_INTERVAL). */
  maxIdleMs: number;
  log: Logger;
}

/** MIN_PAUSE_MS keeps the shipper from spinning on due rows another replica is shipping right now. */
const MIN_PAUSE_MS = 50;

/**
 * createShipper is the background worker that ships due shipments. It
 * ships one batch, goes on at once while it finds full batches, and
 * otherwise sleeps until the next PENDING shipment is due, until a new
 * shipment is committed (in any replica: SHIPMENTS_TOPIC), or maxIdleMs,
 * whichever comes first: an idle shipping service does not poll.
 * A failed round is logged and retried a second later; stop() waits for a
 * round in progress, so the database is not closed under it.
 */
export function createShipper({ db, batchSize, maxIdleMs, log }: ShipperOptions): BackgroundWork {
  const loop = createLoop(
    'shipper',
    async () => {
      const shipped = await shipDueShipments(db, batchSize);
      if (shipped > 0) log.info({ shipped }, 'shipments shipped');
      if (shipped === batchSize) return 0;
      const due = await msUntilNextDue(db);
      return due === undefined ? maxIdleMs : Math.min(maxIdleMs, Math.max(MIN_PAUSE_MS, due));
    },
    log,
  );
  return listenWhileRunning(loop, db, { [SHIPMENTS_TOPIC]: () => loop.wake() }, log);
}
