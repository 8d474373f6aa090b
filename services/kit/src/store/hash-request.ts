import { createHash } from 'node:crypto';

/**
 * hashRequest is the sha256 (hex) of a canonical JSON form of value: object
 * keys sorted, so two requests that differ only in key order hash the same.
 * It follows JSON.stringify otherwise (toJSON is honoured, so a Date is its
 * ISO string; undefined properties are left out), with two additions for
 * request messages: a bigint is its decimal string and bytes (Uint8Array,
 * Buffer) are base64. Maps, Sets and cyclic values throw rather than hash to
 * something that ignores their contents.
 */
export function hashRequest(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value, new Set())).digest('hex');
}

function canonicalJson(value: unknown, ancestors: Set<object>): string {
  if (value === null || value === undefined) return 'null';
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      return JSON.stringify(value); // NaN and Infinity become null, as in JSON.
    case 'bigint':
      return JSON.stringify(value.toString());
    case 'object':
      return canonicalObject(value, ancestors);
    default:
      throw new TypeError(`hashRequest cannot hash a ${typeof value}`);
  }
}

function canonicalObject(value: object, ancestors: Set<object>): string {
  if (value instanceof Uint8Array) return JSON.stringify(Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64'));
  if (value instanceof Map || value instanceof Set) throw new TypeError('hashRequest cannot hash a Map or Set: convert it to an object or array');
  const withToJson = value as { toJSON?: () => unknown };
  if (typeof withToJson.toJSON === 'function') return canonicalJson(withToJson.toJSON(), ancestors);
  if (ancestors.has(value)) throw new TypeError('hashRequest cannot hash a cyclic value');
  ancestors.add(value);
  try {
    if (Array.isArray(value)) {
      return `[${value.map((item) => (isOmitted(item) ? 'null' : canonicalJson(item, ancestors))).join(',')}]`;
    }
    const entries = Object.keys(value)
      .sort()
      .filter((key) => !isOmitted((value as Record<string, unknown>)[key]))
      .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key], ancestors)}`);
    return `{${entries.join(',')}}`;
  } finally {
    ancestors.delete(value);
  }
}

/** isOmitted is true for the values JSON.stringify leaves out of objects (and writes as null in arrays). */
function isOmitted(value: unknown): boolean {
  return value === undefined || typeof value === 'function' || typeof value === 'symbol';
}
