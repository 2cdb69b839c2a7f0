import { closedLoop, openLoop, type RunResult, type Task } from './load-pool.ts';
import { HopTimes, linkedLogin } from './linked-login.ts';
import type { LinkedUser } from './loopback-setup.ts';
import { emptyTotals, timed, totalsRate, type Totals } from './run-totals.ts';
import type { StoreCounters } from './store-counters.ts';

export interface ClosedLevel {
  concurrency: number;
  totals: Totals;
}

/** Where the logins go: the broker, the demo upstream and the users linked at the broker. */
export interface LoginTarget {
  brokerUrl: string;
  upstreamUrl: string;
  linked: readonly LinkedUser[];
}

/** Linked logins over the loopback setup, the linked users taken in turn. */
export class LoginBench {
  /** Where a login's time went, per kind of request, in the paced run (little queueing at half the maximum). */
  readonly hops = new HopTimes();
  readonly #setup: LoginTarget;
  readonly #counters: StoreCounters | undefined;
  #turn = 0;

  constructor(setup: LoginTarget, counters?: StoreCounters) {
    this.#setup = setup;
    this.#counters = counters;
  }

  #login(recordHops: boolean): () => Promise<void> {
    return () => {
      const linked = this.#setup.linked[this.#turn % this.#setup.linked.length];
      this.#turn += 1;
      if (!linked) throw new Error('no linked users');
      const { brokerUrl, upstreamUrl } = this.#setup;
      return linkedLogin({ brokerUrl, upstreamUrl, ...(recordHops ? { hops: this.hops } : {}) }, linked).then(() => undefined);
    };
  }

  /** One login per call, the users in turn. */
  loginTask(): Task {
    return this.#login(false);
  }

  /** Untimed logins: warm-up (discovery caches, the JIT, connection pools) and profiling. */
  untimed(options: { concurrency: number; maxCount: number; maxMs: number }): Promise<RunResult> {
    return closedLoop({ ...options, task: this.#login(false) });
  }

  /** Closed loops, one per concurrency: each login starts as soon as one ends. */
  async closedLevels(concurrencies: readonly number[], options: { maxCount: number; maxMs: number }): Promise<ClosedLevel[]> {
    const levels: ClosedLevel[] = [];
    for (const concurrency of concurrencies) {
      const totals = emptyTotals();
      await timed(totals, this.#counters, () => closedLoop({ concurrency, ...options, task: this.#login(false) }));
      levels.push({ concurrency, totals });
    }
    return levels;
  }

  /** Open loop at a fixed arrival rate; latency counts from when each login was due. */
  async paced(ratePerSecond: number, options: { durationMs: number; maxInFlight: number }): Promise<Totals> {
    const totals = emptyTotals();
    await timed(totals, this.#counters, () => openLoop({ ratePerSecond, ...options, task: this.#login(true) }));
    return totals;
  }

  /** Exactly `count` logins (for the Redis footprint); throws unless all succeeded. */
  async exactly(count: number, concurrency: number, maxMs: number): Promise<void> {
    const run = await closedLoop({ concurrency, maxCount: count, maxMs, task: this.#login(false) });
    if (run.completed !== count) {
      throw new Error(`${count - run.completed} of ${count} logins failed or timed out: ${run.errors.join('; ')}`);
    }
  }
}

/** The level with the highest rate: the measured maximum. */
export function bestLevel(levels: readonly ClosedLevel[]): ClosedLevel | undefined {
  return [...levels].sort((a, b) => totalsRate(a.totals) - totalsRate(b.totals)).at(-1);
}
