import type { Socket } from 'node:net';

/**
 * ConnectionLimit bounds the open TCP connections of one client address, so
 * one client cannot hold every socket the gateway can serve (slow or idle
 * connections cost nothing to open). It counts by the TCP peer: behind a
 * load balancer every client shares its address, so raise the limit there
 * or set it to 0 (off).
 */
export interface ConnectionLimit {
  /** admit counts a new connection and returns false when its address already has `max` open. */
  admit(socket: Socket): boolean;
  /** open is the number of connections an address holds now. */
  open(address: string): number;
}

export function createConnectionLimit(max: number): ConnectionLimit {
  const counts = new Map<string, number>();
  return {
    admit(socket) {
      if (max <= 0) return true;
      const address = socket.remoteAddress ?? 'unknown';
      const current = counts.get(address) ?? 0;
      if (current >= max) return false;
      counts.set(address, current + 1);
      socket.once('close', () => {
        const left = (counts.get(address) ?? 1) - 1;
        if (left <= 0) counts.delete(address);
        else counts.set(address, left);
      });
      return true;
    },
    open: (address) => counts.get(address) ?? 0,
  };
}
