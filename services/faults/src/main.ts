import { isChamberError } from '@chamber/errors';
import { createLogger, startTelemetry } from '@chamber/telemetry';
import { createFaultsService } from './app.js';
import { loadFaultsConfig } from './config.js';

// Process entry only: config, telemetry, create, start, stop on SIGTERM/SIGINT.
try {
  const config = loadFaultsConfig();
  const telemetry = startTelemetry({
    serviceName: 'faults',
    exporter: config.telemetry.exporter,
  });
  const logger = createLogger({ service: 'faults', level: config.log.level });
  const service = createFaultsService(config, { logger });
  await service.start();
  let isStopping = false;
  const shutdown = (signal: string): void => {
    if (isStopping) return;
    isStopping = true;
    logger.info({ signal }, 'faults stopping');
    void service
      .stop()
      .then(() => telemetry.shutdown())
      .then(
        () => process.exit(0),
        () => process.exit(1),
      );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
} catch (error) {
  console.error(
    `faults: ${isChamberError(error) || error instanceof Error ? error.message : String(error)}`,
  );
  process.exit(1);
}
