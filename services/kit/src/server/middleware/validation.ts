import { fromBinary } from '@bufbuild/protobuf';
import type { ContractRules } from '../../contract/rules';
import { invalidArgument } from '../../errors/domain-error';
import type { CallStep } from '../chain';
import { requestBytes } from '../request-bytes';

/**
 * createRequestValidation is the chain step that enforces the contract's
 * `buf.validate` rules on every request before its handler runs (see
 * contract/rules.ts). A request that breaks them is answered
 * INVALID_ARGUMENT (reason VALIDATION_FAILED) with one BadRequest violation
 * per broken rule, the field named by its proto path.
 *
 * protovalidate reads protobuf-es messages; the handlers take ts-proto
 * objects. The step decodes the request's bytes a second time, as
 * protobuf-es, and only for methods whose request has rules somewhere (only
 * their requests keep their bytes: toGrpcDefinition's keepsBytes).
 */
export function createRequestValidation(rules: ContractRules): CallStep {
  return {
    start(call) {
      const input = call.contract.desc.input;
      if (!rules.appliesTo(input)) return;
      const bytes = requestBytes(call.request);
      if (bytes === undefined) throw new Error(`${call.path}: the request was not decoded by the runtime, so it cannot be validated`);
      const violations = rules.check(input, fromBinary(input, bytes));
      if (violations.length > 0) throw invalidArgument(violations);
    },
  };
}
