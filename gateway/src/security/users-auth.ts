import { status as Code } from '@grpc/grpc-js';
import { fromJson, toBinary } from '@bufbuild/protobuf';
import type { JWK } from 'jose';
import { unavailable, type Contract, type RevocationSource } from '@shop/kit';
import type { Reason } from '../errors/reason';
import type { JsonCodec } from '../transcode/binary-to-json';
import type { GrpcChannel } from '../upstream/grpc-client';

/** AUTH_SERVICE is the contract service that publishes the token keys and the revoked sessions. */
export const AUTH_SERVICE = 'shop.users.v1.AuthService';

/** jwksFromUsers fetches the token keys with AuthService.GetJwks over the gateway's own client. */
export function jwksFromUsers(contract: Contract, codec: JsonCodec, channel: () => GrpcChannel): () => Promise<{ keys: readonly JWK[] }> {
  const method = contract.method(`/${AUTH_SERVICE}/GetJwks`);
  if (method === undefined) {
    return () => Promise.reject(unavailable('AUTH_KEYS_UNAVAILABLE' satisfies Reason, 'the contract has no AuthService.GetJwks and no key source was given'));
  }
  return async () => {
    const result = await channel().unary({ path: method.path, message: new Uint8Array(0), metadata: [], deadline: Date.now() + 3_000 });
    if (result.status.code !== Code.OK) throw new Error(`GetJwks failed: ${Code[result.status.code]} ${result.status.message}`);
    return codec.toJsonValue(method.desc.output, result.response!) as unknown as { keys: JWK[] };
  };
}

/** A ListRevokedSessions call may wait this long past its max_wait for the reply to arrive. */
const REPLY_ALLOWANCE_MS = 5_000;

/**
 * revokedSessionsFromUsers reads the revoked sessions with
 * AuthService.ListRevokedSessions over the gateway's own client, as the
 * services do (see revoked-sessions.ts in the kit): the gateway refuses a
 * token of an ended session itself, before any upstream call.
 */
export function revokedSessionsFromUsers(contract: Contract, codec: JsonCodec, channel: () => GrpcChannel): RevocationSource {
  const method = contract.method(`/${AUTH_SERVICE}/ListRevokedSessions`);
  if (method === undefined) {
    return () => Promise.reject(new Error('the contract has no AuthService.ListRevokedSessions and no revocation source was given'));
  }
  return async (afterPosition, maxWaitMs, signal) => {
    const request = fromJson(method.desc.input, { afterPosition, ...(maxWaitMs > 0 ? { maxWait: `${maxWaitMs / 1000}s` } : {}) });
    const control: { cancel?: () => void } = {};
    const onAbort = () => control.cancel?.();
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      const result = await channel().unary(
        { path: method.path, message: toBinary(method.desc.input, request), metadata: [], deadline: Date.now() + maxWaitMs + REPLY_ALLOWANCE_MS },
        control,
      );
      if (result.status.code !== Code.OK) throw new Error(`ListRevokedSessions failed: ${Code[result.status.code]} ${result.status.message}`);
      const reply = codec.toJsonValue(method.desc.output, result.response!) as { sessions?: Array<{ sessionId?: string; expireTime?: string }>; position?: string };
      return {
        sessions: (reply.sessions ?? []).map((s) => ({ sessionId: s.sessionId ?? '', expireTime: s.expireTime === undefined ? 0 : Date.parse(s.expireTime) })),
        position: reply.position ?? '',
      };
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  };
}
