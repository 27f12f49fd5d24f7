import { pino, type Logger } from 'pino';

export type { Logger };

/** JSON logs on stderr (or `destination`); `silent` in tests keeps output readable. */
export function createLogger(level = 'info', destination: NodeJS.WritableStream | number = 2): Logger {
  return pino(
    {
      level,
      base: undefined,
      // Credentials never reach the log, whatever a caller logs by mistake.
      redact: ['password', 'token', 'req.headers.authorization', 'req.headers.cookie', '*.password', '*.token'],
    },
    typeof destination === 'number' ? pino.destination(destination) : destination,
  );
}
