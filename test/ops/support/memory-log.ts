import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../../src/log/logger.ts';

export interface MemoryLog {
  logger: Logger;
  /** Parsed JSON lines written so far. */
  entries(): Array<Record<string, unknown>>;
}

/** A logger as the broker's, keeping its lines for the test to read. */
export function memoryLog(): MemoryLog {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  return {
    logger: createLogger('info', sink),
    entries: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}
