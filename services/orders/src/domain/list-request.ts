import { hashRequest, permissionDenied } from '@shop/kit';
import type { PageTokenCodec } from './page-token';
import type { OrderStateName } from './types';

/** DEFAULT_PAGE_SIZE is the page size when the request sets none. */
export const DEFAULT_PAGE_SIZE = 20;
/** MAX_PAGE_SIZE is the largest page; a larger page_size is lowered to it. */
export const MAX_PAGE_SIZE = 100;

/** Caller is who lists: a user id and whether they are an admin. */
export interface Caller {
  userId: string;
  admin: boolean;
}

/** ListQuery is a validated ListOrders request. */
export interface ListQuery {
  pageSize: number;
  /** userId keeps one user's orders; undefined keeps everyone's (admins only). */
  userId?: string;
  state?: OrderStateName;
  /** before is the seq the page starts below (from page_token); undefined on the first page. */
  before?: bigint;
  fingerprint: string;
}

/** ListOrdersRequestLike is the shape of shop.orders.v1.ListOrdersRequest that parsing reads (state already mapped to its name). */
export interface ListOrdersRequestLike {
  pageSize: number;
  pageToken: string;
  state: OrderStateName | undefined;
  userId: string;
}

/**
 * parseListOrders validates ListOrders for caller: a customer lists their
 * own orders (user_id empty or their own id, PERMISSION_DENIED for anyone
 * else's); an admin lists everyone's, or one user's with user_id. page_size
 * 0 means 20, above 100 is lowered to 100 (a negative one the contract
 * refuses).
 * The page token must come from a listing with the same filters and the
 * same effective user.
 */
export function parseListOrders(req: ListOrdersRequestLike, caller: Caller, tokens: PageTokenCodec): ListQuery {
  if (!caller.admin && req.userId !== '' && req.userId !== caller.userId) {
    throw permissionDenied('customers may list only their own orders: leave user_id empty or send your own id');
  }
  const userId = caller.admin ? req.userId || undefined : caller.userId;
  const fingerprint = hashRequest({ userId: userId ?? '*', state: req.state ?? '*' }).slice(0, 16);
  const before = req.pageToken === '' ? undefined : tokens.decode(req.pageToken, fingerprint);
  return {
    pageSize: req.pageSize === 0 ? DEFAULT_PAGE_SIZE : Math.min(req.pageSize, MAX_PAGE_SIZE),
    ...(userId === undefined ? {} : { userId }),
    ...(req.state === undefined ? {} : { state: req.state }),
    ...(before === undefined ? {} : { before }),
    fingerprint,
  };
}
