import { pino, type Logger } from 'pino';

/**
 * One logger factory for every process. Structured JSON to stdout (pm2 collects it); pretty output is a
 * matter of piping through `pino-pretty` in development, kept out of the product's hot path.
 */
export function createLogger(name: string, level = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({ name, level, base: { pid: process.pid, app: name } });
}

export type { Logger };
