import type { IncomingMessage } from 'node:http';

/**
 * clientIp is the address to rate-limit a request by. With trustedProxies
 * = 0 it is the TCP peer. Behind N proxies that each append to
 * X-Forwarded-For, it is the entry N from the right: the address the
 * outermost trusted proxy saw. Entries further left are whatever the client
 * wrote and are never trusted.
 */
export function clientIp(req: IncomingMessage, trustedProxies: number): string {
  const peer = req.socket.remoteAddress ?? 'unknown';
  if (trustedProxies === 0) return peer;
  const header = req.headers['x-forwarded-for'];
  if (header === undefined) return peer;
  const list = (Array.isArray(header) ? header.join(',') : header).split(',').map((s) => s.trim()).filter(Boolean);
  if (list.length === 0) return peer;
  return list[Math.max(0, list.length - trustedProxies)];
}
