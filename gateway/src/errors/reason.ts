import { ErrorReason } from '@shop/sdk/ts/shop/common/v1/errors';

const PREFIX = 'ERROR_REASON_';

/**
 * Reason is a shop.common.v1.ErrorReason value as google.rpc.ErrorInfo
 * carries it: the name without its ERROR_REASON_ prefix, for example
 * "BODY_TOO_LARGE". The type comes from the generated enum, so a reason
 * that is not in the contract does not compile.
 */
export type Reason = Exclude<keyof typeof ErrorReason extends infer Name ? (Name extends `${typeof PREFIX}${infer R}` ? R : never) : never, 'UNSPECIFIED'>;

/** isReason tells whether a reason string from elsewhere (the kit's errors) is a value of the contract. */
export function isReason(reason: string): reason is Reason {
  return reason !== 'UNSPECIFIED' && Object.hasOwn(ErrorReason, `${PREFIX}${reason}`);
}
