export { loadConfig, type Env, type EnvSchema } from './load-config';
export { loadConfigOrExit, EX_CONFIG, type LoadConfigOrExitOptions } from './load-config-or-exit';
export { ConfigError, SECRET_NAME, type ConfigProblem } from './config-error';
export { commonEnv, commonConfigSchema, envBoolean, envInt, envUrl, LOG_LEVELS, type CommonConfig } from './common';
export { envDuration, parseDurationMs } from './duration';
