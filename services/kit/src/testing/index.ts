export { createTestAuth, TEST_AUDIENCE, TEST_ISSUER, type TestAuth } from './test-auth';
export { captureLines, captureLogger } from './capture-logger';
export { useTestTracer } from './test-tracer';
export { checkHealth } from './health-client';
export { backends, dropSchema, startTestService, TEST_DATABASE_URL, type Backend, type TestService } from './start-test-service';
