import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * One JSON object a line on stderr (stdout belongs to the CLI's own output, such as the `ready`
 * line). Per-request lines come from `logger.child({ requestId, traceId })`.
 */
export function createLogger(
  component: string,
  level = process.env['SHARDMESH_LOG_LEVEL'] ?? 'info',
): Logger {
  return pino({ name: component, level, base: { component, pid: process.pid } }, pino.destination(2));
}
