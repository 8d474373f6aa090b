import path from 'node:path';
import { z } from 'zod';
import { createLogger, envInt, loadConfigOrExit, LOG_LEVELS, onShutdown, type ShutdownReason } from '@shop/kit';
import { envDuration } from '@shop/kit';
import { DEV_PROVIDER_SECRET } from '../config';
import { createSimulator } from './create-simulator';

const simulatorEnv = z.object({
  SIMULATOR_HOST: z.string().min(1).default('127.0.0.1'),
  SIMULATOR_PORT: envInt(0, 65535).default(8090),
  PAYMENT_PROVIDER_SECRET: z.string().min(1).default(DEV_PROVIDER_SECRET),
  SIMULATOR_SLOW: envDuration(0, 600_000).default(10_000),
  DATA_DIR: z.string().min(1).default('./data'),
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
});

const config = loadConfigOrExit(simulatorEnv, { service: 'payment-simulator' });
const log = createLogger({ service: 'payment-simulator', level: config.LOG_LEVEL });
const simulator = createSimulator({
  secret: config.PAYMENT_PROVIDER_SECRET,
  dataDir: path.join(config.DATA_DIR, 'payment-simulator'),
  slowMs: config.SIMULATOR_SLOW,
  log: (details, message) => log.info(details, message),
});

simulator.listen(config.SIMULATOR_PORT, config.SIMULATOR_HOST).then(
  (port) => {
    log.info({ address: `http://${config.SIMULATOR_HOST}:${port}` }, 'payment simulator serving');
    const stop = (signal: ShutdownReason) => {
      log.info({ signal }, 'payment simulator stopping');
      simulator.close().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    };
    onShutdown(stop);
  },
  (err: unknown) => {
    process.stderr.write(`payment-simulator: failed to start: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);
