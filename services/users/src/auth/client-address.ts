import { isIP } from 'node:net';
import type { CallContext } from '@shop/kit';

/**
 * clientAddress is the address a call is throttled by: the client's, as the
 * gateway forwards it in `x-forwarded-for` (its own view of the client,
 * after its trusted proxies), else the gRPC peer's host. The gRPC port is
 * not public (in Kubernetes a NetworkPolicy lets only the gateway and the
 * mesh reach it), so a caller that could forge the header could reach the
 * service anyway; a forged value only moves that caller's own attempts to
 * another counter.
 */
export function clientAddress(ctx: Pick<CallContext, 'metadata' | 'peer'>): string {
  const forwarded = ctx.metadata.get('x-forwarded-for')[0];
  if (typeof forwarded === 'string') {
    const first = forwarded.split(',')[0]!.trim();
    if (isIP(first) !== 0) return first;
  }
  const peer = ctx.peer ?? '';
  // "1.2.3.4:5000", "[::1]:5000", or a Unix socket path.
  const host = peer.startsWith('[') ? peer.slice(1, peer.indexOf(']')) : peer.slice(0, peer.lastIndexOf(':'));
  return isIP(host) !== 0 ? host : 'unknown';
}
