import type { Role as TokenRole } from '@shop/kit';
import { Role } from '@shop/sdk/ts/shop/users/v1/user';

/** UserRole is a role as stored and as carried in the access token's `roles` claim. */
export type UserRole = TokenRole;

/** CUSTOMER_ROLES and ADMIN_ROLES are the role sets the service grants. */
export const CUSTOMER_ROLES: readonly UserRole[] = Object.freeze(['customer']);
export const ADMIN_ROLES: readonly UserRole[] = Object.freeze(['admin', 'customer']);

const KNOWN: ReadonlySet<string> = new Set<UserRole>(['admin', 'customer']);

/** toUserRoles keeps the known roles of a stored value, admin first, without duplicates. */
export function toUserRoles(stored: readonly string[]): UserRole[] {
  const roles = new Set(stored.filter((r): r is UserRole => KNOWN.has(r)));
  return ADMIN_ROLES.filter((r) => roles.has(r));
}

/** toProtoRole maps a role to shop.users.v1.Role. */
export function toProtoRole(role: UserRole): Role {
  return role === 'admin' ? Role.ROLE_ADMIN : Role.ROLE_CUSTOMER;
}
