/** PageCursor is where a ListUsers page ends: the last user's create time and id, and the filter it was made for. */
export interface PageCursor {
  createTime: number;
  id: string;
  emailPrefix: string;
}

/** encodePageToken turns a cursor into the opaque next_page_token. */
export function encodePageToken(cursor: PageCursor): string {
  return Buffer.from(JSON.stringify({ t: cursor.createTime, i: cursor.id, p: cursor.emailPrefix }), 'utf8').toString('base64url');
}

/** decodePageToken reads a page token back, or returns undefined when it is not one this service made. */
export function decodePageToken(token: string): PageCursor | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (typeof value !== 'object' || value === null) return undefined;
    const { t, i, p } = value as Record<string, unknown>;
    if (typeof t !== 'number' || !Number.isSafeInteger(t) || typeof i !== 'string' || typeof p !== 'string') return undefined;
    if (!/^[0-9a-f-]{36}$/.test(i)) return undefined;
    return { createTime: t, id: i, emailPrefix: p };
  } catch {
    return undefined;
  }
}

/** DEFAULT_PAGE_SIZE and MAX_PAGE_SIZE bound ListUsers pages; larger requests are clamped. */
export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

/** effectivePageSize maps the requested page_size (0 = default) to the size served; undefined when it is negative. */
export function effectivePageSize(requested: number): number | undefined {
  if (requested < 0) return undefined;
  if (requested === 0) return DEFAULT_PAGE_SIZE;
  return Math.min(requested, MAX_PAGE_SIZE);
}
