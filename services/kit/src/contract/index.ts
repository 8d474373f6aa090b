export { loadContract, sharedContract } from './contract';
export type { Access, Contract, HttpBinding, MethodContract } from './contract';
export { createContractRules } from './rules';
export type { ContractRules, RuleViolation } from './rules';
export { compileFastCheck, type FastCheck } from './fast-rules';
