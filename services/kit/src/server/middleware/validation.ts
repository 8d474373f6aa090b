import { fromBinary, hasOption, type DescExtension, type DescMessage, type Registry } from '@bufbuild/protobuf';
import { pathToString } from '@bufbuild/protobuf/reflect';
import { createValidator } from '@bufbuild/protovalidate';
import type { Contract } from '../../contract/contract';
import { invalidArgument } from '../../errors/domain-error';
import type { CallInfo, CallStep } from '../chain';
import { requestBytes } from '../request-bytes';

/**
 * createRequestValidation is the chain step that enforces the contract's
 * `buf.validate` rules on every request before its handler runs, with
 * protovalidate, the library other languages' clients and servers use on
 * the same annotations. A request that breaks them is answered
 * INVALID_ARGUMENT (reason VALIDATION_FAILED) with one BadRequest violation
 * per broken rule, the field named by its proto path (`items[0].quantity`).
 *
 * protovalidate reads protobuf-es messages; the handlers take ts-proto
 * objects. The step decodes the request's bytes a second time, as protobuf-es,
 * and only for methods whose request has rules somewhere.
 */
export function createRequestValidation(contract: Contract): CallStep {
  const validator = createValidator({ registry: contract.registry });
  const ruled = rulesFinder(contract.registry);
  const inputs = new Map<string, DescMessage | null>();

  function inputOf(call: CallInfo): DescMessage | null {
    let input = inputs.get(call.path);
    if (input === undefined) {
      const desc = call.contract.desc.input;
      input = ruled(desc) ? desc : null;
      inputs.set(call.path, input);
    }
    return input;
  }

  return {
    start(call) {
      const input = inputOf(call);
      if (input === null) return;
      const bytes = requestBytes(call.request);
      if (bytes === undefined) throw new Error(`${call.path}: the request was not decoded by the runtime, so it cannot be validated`);
      const result = validator.validate(input, fromBinary(input, bytes));
      if (result.kind === 'valid') return;
      if (result.kind === 'error') throw result.error;
      throw invalidArgument(result.violations.map((v) => ({ field: pathToString(v.field), description: v.message })));
    },
  };
}

/** rulesFinder answers whether a message, or any message inside it, carries buf.validate rules. */
function rulesFinder(registry: Registry): (desc: DescMessage) => boolean {
  const ext = (name: string) => registry.getExtension(name) as DescExtension | undefined;
  const fieldRules = ext('buf.validate.field');
  const messageRules = ext('buf.validate.message');
  const oneofRules = ext('buf.validate.oneof');
  function visit(desc: DescMessage, visiting: Set<string>): boolean {
    if (visiting.has(desc.typeName)) return false; // its rules are found where the walk met it first
    visiting.add(desc.typeName);
    if (messageRules !== undefined && hasOption(desc, messageRules)) return true;
    if (oneofRules !== undefined && desc.oneofs.some((oneof) => hasOption(oneof, oneofRules))) return true;
    return desc.fields.some((field) => (fieldRules !== undefined && hasOption(field, fieldRules)) || (field.message !== undefined && visit(field.message, visiting)));
  }
  return (desc) => visit(desc, new Set());
}
