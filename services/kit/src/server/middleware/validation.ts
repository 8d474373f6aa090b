import { invalidArgument } from '../../errors/domain-error';
import type { CallStep } from '../chain';
import { verdictOf } from '../request-verdict';

/**
 * createRequestValidation is the chain step that answers a request the
 * contract's `buf.validate` rules refuse, before its handler runs (see
 * contract/rules.ts): INVALID_ARGUMENT (reason VALIDATION_FAILED) with one
 * BadRequest violation per broken rule, the field named by its proto path.
 *
 * protovalidate reads protobuf-es messages; the handlers take ts-proto
 * objects. The rules are therefore checked where the request's bytes are at
 * hand, in the runtime's deserializer (definition.ts: decoded a second time
 * as protobuf-es, only for methods whose request has rules), and the
 * verdict is answered here, after authentication, so an anonymous caller
 * learns nothing of a request's rules before it is authenticated.
 */
export function createRequestValidation(): CallStep {
  return {
    start(call) {
      const verdict = verdictOf(call.request);
      if (verdict === undefined) return;
      if (verdict.kind === 'error') throw verdict.error;
      throw invalidArgument(verdict.violations);
    },
  };
}
