export * from './domain-error';
export { toStatus, ERROR_DOMAIN } from './to-status';
