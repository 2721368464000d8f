import { pino, type Logger } from 'pino';

export type { Logger } from 'pino';

/** Structured JSON logs; `name` tells which process (server, worker, launcher) wrote a line. */
export function createLogger(name: string, level = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({
    name,
    level,
    redact: { paths: ['req.headers.cookie', 'password', '*.password', 'csrfToken'], censor: '[redacted]' },
  });
}
