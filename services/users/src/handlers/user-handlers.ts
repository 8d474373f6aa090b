import { randomUUID } from 'node:crypto';
import {
  alreadyExists,
  invalidArgument,
  notFound,
  unauthenticated,
  type CallContext,
  type FieldViolation,
  type ServiceImplementation,
} from '@shop/kit';
import type { UserServiceDefinition } from '@shop/sdk/ts/shop/users/v1/user_service';
import { clientAddress } from '../auth/client-address';
import type { PasswordCheck } from '../auth/credentials';
import { normalizeDisplayName } from '../domain/display-name';
import { normalizeEmail } from '../domain/email';
import { accountLocked } from '../domain/errors';
import { decodePageToken, effectivePageSize, encodePageToken } from '../domain/page-token';
import { normalizePassword, passwordMeetsRules, PASSWORD_RULES } from '../domain/password-rules';
import { normalizeRegistration } from '../domain/registration';
import { CUSTOMER_ROLES } from '../domain/roles';
import { parseUpdateMask } from '../domain/update-mask';
import { appendUserEvents, deletedEvent, registeredEvent } from '../domain/user-events';
import { deleteUser, findUserByEmail, findUserById, insertUser, listUsers, replacePasswordHash, updateDisplayName, type UserRecord } from '../store/users-store';
import type { HandlerDeps } from './deps';
import { toProtoUser } from './to-proto';

/** USER_RESOURCE is the ResourceInfo type of an account. */
export const USER_RESOURCE = 'user';

/** callerId is the id of the user making the call; the runtime has already required the token. */
function callerId(ctx: CallContext): string {
  if (!ctx.user) throw unauthenticated();
  return ctx.user.userId;
}

/**
 * passwordConfirmed turns a password check on the caller's own account into
 * the user or an error. A wrong password is a field violation rather than
 * UNAUTHENTICATED: the caller's token is fine, and clients log users out on
 * UNAUTHENTICATED.
 */
function passwordConfirmed(check: PasswordCheck, userId: string, field: string): UserRecord {
  switch (check.kind) {
    case 'ok':
      return check.user;
    case 'wrong':
      throw invalidArgument([{ field, description: 'does not match the account’s password' }]);
    case 'throttled':
      throw accountLocked(check.retryAfterMs);
    case 'gone':
      throw notFound(USER_RESOURCE, userId);
  }
}

/** createUserHandlers implements shop.users.v1.UserService. Every method but GetUser and ListUsers acts on the caller only. */
export function createUserHandlers(deps: HandlerDeps): ServiceImplementation<typeof UserServiceDefinition> {
  const { db, credentials, sessions, now } = deps;
  return {
    async register(req) {
      const { registration, violations } = normalizeRegistration(req);
      if (violations.length > 0) throw invalidArgument(violations);
      const taken = () => alreadyExists(USER_RESOURCE, registration.email);
      // Checked before hashing so a duplicate does not cost a hash; the insert below still guards the race.
      if (await findUserByEmail(db, registration.email)) throw taken();
      const passwordHash = await credentials.hash(registration.password);
      // UserRegistered commits with the account, or neither does.
      const user = await db.transaction(async (tx) => {
        const inserted = await insertUser(tx, {
          id: randomUUID(),
          email: registration.email,
          displayName: registration.displayName,
          passwordHash,
          roles: CUSTOMER_ROLES,
          now: new Date(now()),
        });
        if (!inserted) throw taken();
        await appendUserEvents(tx, [registeredEvent(inserted)]);
        return inserted;
      });
      deps.log.info({ user_id: user.id }, 'user registered');
      return { user: toProtoUser(user) };
    },

    async getCurrentUser(_req, ctx) {
      const id = callerId(ctx);
      const user = await findUserById(db, id);
      if (!user) throw notFound(USER_RESOURCE, id);
      return { user: toProtoUser(user) };
    },

    async updateCurrentUser(req, ctx) {
      const id = callerId(ctx);
      const { violations } = parseUpdateMask(req.updateMask);
      // The display name's form, and that a masked one is not blank, are the contract's.
      if (violations.length > 0) throw invalidArgument(violations);
      const displayName = normalizeDisplayName(req.user?.displayName ?? '');
      const user = await updateDisplayName(db, id, displayName, new Date(now()));
      if (!user) throw notFound(USER_RESOURCE, id);
      return { user: toProtoUser(user) };
    },

    async changePassword(req, ctx) {
      const id = callerId(ctx);
      const newPassword = normalizePassword(req.newPassword);
      // The contract checked the passwords as sent; NFKC may change the new one's length.
      if (!passwordMeetsRules(newPassword)) throw invalidArgument([{ field: 'new_password', description: PASSWORD_RULES }]);
      passwordConfirmed(await credentials.confirm(id, req.currentPassword, clientAddress(ctx)), id, 'current_password');
      const hash = await credentials.hash(newPassword);
      const revoked = await db.transaction(async (tx) => {
        if (!(await replacePasswordHash(tx, id, hash, new Date(now())))) throw notFound(USER_RESOURCE, id);
        // Every session the user has dies with the old password: its refresh tokens at once, its access tokens as soon as verifiers hear of it.
        return sessions.revokeAll(id, 'password_changed', tx);
      });
      sessions.revoked();
      deps.log.info({ user_id: id, revoked_families: revoked }, 'password changed');
      return {};
    },

    async deleteCurrentUser(req, ctx) {
      const id = callerId(ctx);
      passwordConfirmed(await credentials.confirm(id, req.password, clientAddress(ctx)), id, 'password');
      // Its sessions are listed as revoked first; the families and refresh tokens are then deleted with the account (ON DELETE CASCADE).
      await db.transaction(async (tx) => {
        await sessions.revokeAll(id, 'deleted', tx);
        if (!(await deleteUser(tx, id))) throw notFound(USER_RESOURCE, id);
        await appendUserEvents(tx, [deletedEvent(id)]);
      });
      sessions.revoked();
      deps.log.info({ user_id: id }, 'user deleted');
      return {};
    },

    async getUser(req) {
      const user = await findUserById(db, req.userId.toLowerCase());
      if (!user) throw notFound(USER_RESOURCE, req.userId);
      return { user: toProtoUser(user) };
    },

    async listUsers(req) {
      const violations: FieldViolation[] = [];
      const limit = effectivePageSize(req.pageSize);
      const emailPrefix = normalizeEmail(req.emailPrefix);
      const cursor = req.pageToken === '' ? undefined : decodePageToken(req.pageToken);
      if (req.pageToken !== '' && !cursor) violations.push({ field: 'page_token', description: 'is not a page token from ListUsers' });
      else if (cursor && cursor.emailPrefix !== emailPrefix) {
        violations.push({ field: 'page_token', description: 'was made for another email_prefix; keep the filter while paging' });
      }
      if (violations.length > 0 || limit === undefined) throw invalidArgument(violations);
      // One more row than asked tells whether a next page exists.
      const rows = await listUsers(db, {
        limit: limit + 1,
        emailPrefix,
        after: cursor && { createTime: new Date(cursor.createTime), id: cursor.id },
      });
      const page = rows.slice(0, limit);
      const last = page[page.length - 1];
      const nextPageToken =
        rows.length > limit && last ? encodePageToken({ createTime: last.createTime.getTime(), id: last.id, emailPrefix }) : '';
      return { users: page.map(toProtoUser), nextPageToken };
    },
  };
}
