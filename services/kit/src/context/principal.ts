/** Role is a user role as carried in the access token's `roles` claim. */
export type Role = 'customer' | 'admin';

/** UserPrincipal is an end user proven by a verified access token. */
export interface UserPrincipal {
  kind: 'user';
  /** userId is the token's `sub`. */
  userId: string;
  /** sessionId is the token's `sid`: the login it descends from, which a logout or password change ends (see revoked-sessions.ts). */
  sessionId: string;
  roles: Role[];
  /** token is the raw bearer token, forwarded on outgoing calls made for this user. */
  token: string;
  /** expiresAt is the token's `exp` in epoch milliseconds. */
  expiresAt: number;
}

/** ServicePrincipal is a shopmesh service proven by a verified service token. */
export interface ServicePrincipal {
  kind: 'service';
  /** service is the calling service's name, for example "orders". */
  service: string;
  /** audience is the service the token was minted for (its `aud`); the server refuses a token meant for another. */
  audience: string;
}

/** isAdmin tells whether a user principal holds the admin role. */
export function isAdmin(user: UserPrincipal | undefined): boolean {
  return user?.roles.includes('admin') ?? false;
}
