import { EventEmitter } from 'node:events';
import type { OrderRecord } from '../domain/types';

/** OrderNews is what the notifier says about an order: it changed (order as committed), and/or its saga finished. */
export interface OrderNews {
  orderId: string;
  order?: OrderRecord;
  sagaDone?: boolean;
}

/**
 * OrderNotifier tells waiters in this process that an order changed, right
 * after the change committed: PlaceOrder and CancelOrder waiting for the
 * saga, and WatchOrder streams. Changes made by other replicas do not come
 * through here; WatchOrder also polls the database for them.
 */
export interface OrderNotifier {
  publish(news: OrderNews): void;
  /** subscribe calls listener with every news of orderId until the returned function is called. */
  subscribe(orderId: string, listener: (news: OrderNews) => void): () => void;
  /**
   * waitFor resolves when a news of orderId satisfies until, after timeoutMs,
   * or when signal aborts, whichever comes first. It subscribes at once, so
   * call it before starting the work it waits for.
   */
  waitFor(orderId: string, until: (news: OrderNews) => boolean, timeoutMs: number, signal?: AbortSignal): Promise<void>;
}

/** createOrderNotifier makes the process's notifier (an EventEmitter keyed by order id). */
export function createOrderNotifier(): OrderNotifier {
  const emitter = new EventEmitter();
  // One listener per waiting call or watch: there is no sensible bound.
  emitter.setMaxListeners(0);
  const subscribe = (orderId: string, listener: (news: OrderNews) => void) => {
    emitter.on(orderId, listener);
    return () => void emitter.off(orderId, listener);
  };
  return {
    publish(news) {
      emitter.emit(news.orderId, news);
    },
    subscribe,
    waitFor(orderId, until, timeoutMs, signal) {
      return new Promise<void>((resolve) => {
        if (timeoutMs <= 0 || signal?.aborted) return resolve();
        const done = () => {
          clearTimeout(timer);
          unsubscribe();
          signal?.removeEventListener('abort', done);
          resolve();
        };
        const timer = setTimeout(done, timeoutMs);
        const unsubscribe = subscribe(orderId, (news) => {
          if (until(news)) done();
        });
        signal?.addEventListener('abort', done, { once: true });
      });
    },
  };
}
