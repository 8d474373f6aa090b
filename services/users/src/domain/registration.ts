import { fromJson, type DescMessage } from '@bufbuild/protobuf';
import { createContractRules, sharedContract, type ContractRules, type FieldViolation } from '@shop/kit';
import { normalizeDisplayName } from './display-name';
import { normalizeEmail } from './email';
import { normalizePassword, passwordMeetsRules, PASSWORD_RULES } from './password-rules';

/** Registration is a normalised registration request. */
export interface Registration {
  email: string;
  password: string;
  displayName: string;
}

/** RegistrationInput is what a registration is made of, as the client (or a configuration) sent it. */
export interface RegistrationInput {
  email: string;
  password: string;
  displayName: string;
}

/**
 * normalizeRegistration puts a registration the contract found valid in the
 * form it is stored in, and returns the violation of a password whose
 * normalised form breaks the rules (see passwordMeetsRules).
 */
export function normalizeRegistration(input: RegistrationInput): { registration: Registration; violations: FieldViolation[] } {
  const registration = {
    email: normalizeEmail(input.email),
    password: normalizePassword(input.password),
    displayName: normalizeDisplayName(input.displayName),
  };
  const violations = passwordMeetsRules(registration.password) ? [] : [{ field: 'password', description: PASSWORD_RULES }];
  return { registration, violations };
}

/** registerRules are the contract's rules, made once for every registration checkRegistration reads. */
let registerRules: ContractRules | undefined;

/**
 * checkRegistration checks a registration that did not come through a call
 * (the demo data, the admin configuration) as Register's would be: by the
 * contract's rules on RegisterRequest, then normalised.
 */
export function checkRegistration(input: RegistrationInput): { registration: Registration; violations: FieldViolation[] } {
  const { registry } = sharedContract();
  const desc = registry.getMessage('shop.users.v1.RegisterRequest') as DescMessage;
  registerRules ??= createContractRules(registry);
  const broken = registerRules.check(desc, fromJson(desc, { email: input.email, password: input.password, displayName: input.displayName }, { registry }));
  const normalized = normalizeRegistration(input);
  return broken.length > 0 ? { registration: normalized.registration, violations: broken } : normalized;
}
