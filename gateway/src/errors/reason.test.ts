import { ErrorReason } from '@shop/sdk/ts/shop/common/v1/errors';
import { isReason } from './reason';

describe('isReason', () => {
  it('accepts every value of shop.common.v1.ErrorReason without its prefix, the gateway-only ones included', () => {
    for (const name of ['VALIDATION_FAILED', 'RATE_LIMITED', 'AUTH_KEYS_UNAVAILABLE', 'METHOD_NOT_ALLOWED', 'BODY_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE', 'HEADERS_TOO_LARGE', 'MALFORMED_REQUEST', 'REQUEST_TIMEOUT']) {
      expect(isReason(name)).toBe(true);
      expect(ErrorReason[`ERROR_REASON_${name}` as keyof typeof ErrorReason]).toBe(`ERROR_REASON_${name}`);
    }
  });

  it('refuses names outside the contract, the zero value and the prefixed form', () => {
    for (const name of ['BODY_TOO_LARG', 'UNSPECIFIED', 'UNRECOGNIZED', 'toString', '__proto__', 'ERROR_REASON_NOT_FOUND', 'not_found', '']) expect(isReason(name)).toBe(false);
  });
});
