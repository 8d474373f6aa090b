import type { Metadata } from '@grpc/grpc-js';

/**
 * MAX_METADATA_BYTES bounds a call's request metadata, counted as HTTP/2
 * counts a header list (RFC 7540 6.5.2, SETTINGS_MAX_HEADER_LIST_SIZE): each
 * field's name and value octets plus 32. 64 KiB is what Node's HTTP/2 and
 * grpc-go assume by default; gRPC's own metadata (deadline, tokens, trace
 * context, request id) takes a few hundred bytes of it.
 */
export const MAX_METADATA_BYTES = 64 * 1024;

/**
 * metadataSize is the size of a call's metadata as HTTP/2 counts it. Binary
 * values (`-bin` keys) count in the base64 form they travel in.
 */
export function metadataSize(metadata: Metadata): number {
  let size = 0;
  const fields = metadata.toJSON();
  for (const key in fields) {
    for (const value of fields[key]!) {
      size += key.length + 32 + (typeof value === 'string' ? value.length : Math.ceil(value.length / 3) * 4);
    }
  }
  return size;
}
