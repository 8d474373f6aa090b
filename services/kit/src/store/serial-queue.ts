/** SerialQueue runs async tasks one at a time. */
export interface SerialQueue {
  run<T>(task: () => Promise<T>): Promise<T>;
}

/**
 * createSerialQueue returns a first-in first-out queue: each task starts
 * after the previous one has settled, whether it resolved or threw.
 */
export function createSerialQueue(): SerialQueue {
  let tail: Promise<unknown> = Promise.resolve();
  return {
    run<T>(task: () => Promise<T>): Promise<T> {
      const result = tail.then(task);
      // A failed task must not stop the ones queued behind it.
      tail = result.catch(() => undefined);
      return result;
    },
  };
}
