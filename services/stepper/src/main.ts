import { isChamberError } from '@chamber/errors';
import { createLogger, startTelemetry } from '@chamber/telemetry';
import { createStepperService } from './app.js';
import { loadStepperConfig } from './config.js';

// Process entry only: config, telemetry, create, start, stop on SIGTERM/SIGINT.
try {
  const config = loadStepperConfig();
  const telemetry = startTelemetry({
    serviceName: 'stepper',
    exporter: config.telemetry.exporter,
  });
  const logger = createLogger({ service: 'stepper', level: config.log.level });
  const service = createStepperService(config, { logger, tracer: telemetry.tracer });
  await service.start();
  let isStopping = false;
  const shutdown = (signal: string): void => {
    if (isStopping) return;
    isStopping = true;
    logger.info({ signal }, 'stepper stopping');
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
    `stepper: ${isChamberError(error) || error instanceof Error ? error.message : String(error)}`,
  );
  process.exit(1);
}
