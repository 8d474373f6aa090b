import type { DeepPartial } from '@shop/kit';
import type { Duration } from '@shop/sdk/ts/google/protobuf/duration';
import type { TokenPair } from '@shop/sdk/ts/shop/users/v1/auth_service';
import type { User } from '@shop/sdk/ts/shop/users/v1/user';
import { toProtoRole } from '../domain/roles';
import type { IssuedTokens } from '../auth/sessions';
import type { UserRecord } from '../store/users-store';
import { durationFromMs } from '@shop/sdk/lib/time';

/** toProtoUser maps an account to shop.users.v1.User; the password hash and lockout state stay behind. */
export function toProtoUser(user: UserRecord): DeepPartial<User> {
  return {
    id: user.id,
    email: user.email,
    displayName: user.displayName,
    roles: user.roles.map(toProtoRole),
    createTime: user.createTime,
    updateTime: user.updateTime,
  };
}

/** toDuration maps milliseconds to google.protobuf.Duration. */
export function toDuration(ms: number): Duration {
  return durationFromMs(ms);
}

/** toTokenPair maps issued tokens to shop.users.v1.TokenPair. */
export function toTokenPair(tokens: IssuedTokens): TokenPair {
  return {
    accessToken: tokens.accessToken,
    tokenType: 'Bearer',
    expiresIn: toDuration(tokens.accessTtlMs),
    refreshToken: tokens.refreshToken,
    refreshExpiresIn: toDuration(tokens.refreshTtlMs),
  };
}
