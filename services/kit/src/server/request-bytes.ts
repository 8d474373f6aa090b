/**
 * The bytes each request was decoded from, kept beside the decoded object
 * for as long as the object lives: the services' handlers take ts-proto
 * objects, while protovalidate evaluates protobuf-es messages, which the
 * validation step decodes from these bytes (see middleware/validation.ts).
 */
const bytesOf = new WeakMap<object, Uint8Array>();

/** rememberRequestBytes records what a decoded request was decoded from. */
export function rememberRequestBytes(request: object, bytes: Uint8Array): void {
  bytesOf.set(request, bytes);
}

/** requestBytes returns the bytes a request was decoded from, if the runtime decoded it. */
export function requestBytes(request: unknown): Uint8Array | undefined {
  return typeof request === 'object' && request !== null ? bytesOf.get(request) : undefined;
}
