import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * A JSON-lines logger (pino) whose lines carry `service`. Writes to stdout
 * unless `destination` is given. Secrets must never be passed to it: log
 * ids and names, not credentials.
 */
export function createLogger(options: {
  service: string;
  level: string;
  destination?: NodeJS.WritableStream;
}): Logger {
  const base = {
    level: options.level,
    base: { service: options.service },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return options.destination === undefined
    ? pino(base)
    : pino(base, options.destination as unknown as pino.DestinationStream);
}
