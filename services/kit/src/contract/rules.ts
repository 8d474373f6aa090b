import { hasOption, type DescExtension, type DescMessage, type MessageShape, type Registry } from '@bufbuild/protobuf';
import { pathToString } from '@bufbuild/protobuf/reflect';
import { createValidator } from '@bufbuild/protovalidate';

/** RuleViolation is one broken rule: the field by its proto path (`items[0].quantity`) and what is wrong. */
export interface RuleViolation {
  field: string;
  description: string;
}

/**
 * ContractRules evaluates the contract's `buf.validate` annotations with
 * protovalidate, the library every language's clients and servers use on
 * the same annotations. The runtime's validation step and the gateway share
 * it, so both refuse exactly the same requests, with the same violations.
 */
export interface ContractRules {
  /** appliesTo says whether a message, or any message inside it, carries rules; a request without any needs no check. */
  appliesTo(desc: DescMessage): boolean;
  /** check returns the rules a message breaks, [] when it breaks none; a rule that cannot be evaluated throws. */
  check<D extends DescMessage>(desc: D, message: MessageShape<D>): RuleViolation[];
}

/**
 * fieldOf names a violation's field: its proto path, or for a rule on the
 * whole message (a rule that spans fields, which protovalidate reports
 * without a path) the path its id begins with: the contracts give such a
 * rule the id "<field path>.<rule>", for example
 * "min_price_minor.at_most_max" or "product.name.required".
 */
function fieldOf(path: string, ruleId: string): string {
  if (path !== '') return path;
  const end = ruleId.lastIndexOf('.');
  return end > 0 ? ruleId.slice(0, end) : ruleId;
}

/** createContractRules builds the rules of a registry that holds the contract and its rule definitions. */
export function createContractRules(registry: Registry): ContractRules {
  const validator = createValidator({ registry });
  const ext = (name: string) => registry.getExtension(name) as DescExtension | undefined;
  const fieldRules = ext('buf.validate.field');
  const messageRules = ext('buf.validate.message');
  const oneofRules = ext('buf.validate.oneof');
  const applies = new Map<string, boolean>();

  function visit(desc: DescMessage, visiting: Set<string>): boolean {
    if (visiting.has(desc.typeName)) return false; // its rules are found where the walk met it first
    visiting.add(desc.typeName);
    if (messageRules !== undefined && hasOption(desc, messageRules)) return true;
    if (oneofRules !== undefined && desc.oneofs.some((oneof) => hasOption(oneof, oneofRules))) return true;
    return desc.fields.some((field) => (fieldRules !== undefined && hasOption(field, fieldRules)) || (field.message !== undefined && visit(field.message, visiting)));
  }

  return {
    appliesTo(desc) {
      let found = applies.get(desc.typeName);
      if (found === undefined) {
        found = visit(desc, new Set());
        applies.set(desc.typeName, found);
      }
      return found;
    },
    check(desc, message) {
      const result = validator.validate(desc, message);
      if (result.kind === 'valid') return [];
      if (result.kind === 'error') throw result.error;
      return result.violations.map((v) => ({ field: fieldOf(pathToString(v.field), v.ruleId), description: v.message }));
    },
  };
}
