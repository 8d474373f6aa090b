export { loadContract, sharedContract } from './contract';
export type { Access, Contract, HttpBinding, MethodContract } from './contract';
