import pino, { type Logger } from 'pino';

export type { Logger };

/** The one logger of the core: JSON lines on stderr; `GYMEDGE_LOG_LEVEL` sets the level. */
export function createLogger(name: string, level = process.env.GYMEDGE_LOG_LEVEL ?? 'info'): Logger {
  return pino({ name, level, base: { pid: process.pid } }, pino.destination(2));
}

/** A logger that drops everything, for tests and tools that print their own progress. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
