import { pino, type Logger } from 'pino';

export type { Logger };

/** JSON logs on stderr; `silent` in tests keeps output readable. */
export function createLogger(level = 'info'): Logger {
  return pino(
    {
      level,
      base: undefined,
      // Credentials never reach the log, whatever a caller logs by mistake.
      redact: ['password', 'token', 'req.headers.authorization', 'req.headers.cookie', '*.password', '*.token'],
    },
    pino.destination(2),
  );
}
