import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from '../log/logger.ts';

/** Written into each claim, to tell later which process made an attempt. */
export function workerIdentity(): string {
  return `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
}

/**
 * A pass over a store run every `intervalMs`, the next one planned when the last ends (never two at once), for the
 * outbox and webhook workers. A failing pass is logged and the next one runs as planned.
 */
export class RepeatingPass {
  readonly #pass: () => Promise<unknown>;
  readonly #intervalMs: number;
  readonly #logger: Logger;
  readonly #failure: string;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<unknown> | undefined;
  #stopped = true;

  constructor(pass: () => Promise<unknown>, options: { intervalMs: number; logger: Logger; failure: string }) {
    this.#pass = pass;
    this.#intervalMs = options.intervalMs;
    this.#logger = options.logger;
    this.#failure = options.failure;
  }

  /** Runs a pass now, then every interval. */
  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    const tick = (): void => {
      this.#running = this.#pass()
        .catch((error: unknown) => this.#logger.error({ err: error }, this.#failure))
        .finally(() => {
          this.#running = undefined;
          if (this.#stopped) return;
          this.#timer = setTimeout(tick, this.#intervalMs);
          // The HTTP server keeps the process alive; a pending poll must not hold up its exit.
          this.#timer.unref();
        });
    };
    tick();
  }

  /** Stops planning passes and waits for the one in progress, so no claimed attempt is left without its outcome. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#running;
  }
}
