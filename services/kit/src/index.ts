/**
 * @shop/kit: the runtime every shopmesh service and the gateway stand on.
 * A service's main.ts is `runService(spec)`; its code is only its business
 * logic. Test helpers live in `@shop/kit/testing`.
 */
export * from './runtime';
export * from './server';
export * from './client';
export * from './context';
export * from './contract';
export * from './errors';
export * from './auth';
export * from './config';
export * from './log';
export * from './telemetry';
export * from './store';
export * from './events';
