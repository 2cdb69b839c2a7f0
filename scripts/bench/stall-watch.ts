import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';

export interface Stalls {
  /** How late timers fired on this process's one thread: blocked by work, garbage collection or anything else. */
  eventLoopDelayP99Ms: number;
  eventLoopDelayMaxMs: number;
  /** Garbage-collection pauses on this thread. */
  gcPauses: number;
  gcLongestMs: number;
  gcTotalMs: number;
}

const round = (value: number) => Math.round(value * 10) / 10;

/**
 * Watches the event loop and garbage collection while `work` runs: a latency tail with a long loop delay or GC
 * pause comes from this process; one without them comes from waiting on Redis or the MongoDB-wire server.
 */
export async function watchStalls<T>(work: () => Promise<T>): Promise<{ result: T; stalls: Stalls }> {
  const delay = monitorEventLoopDelay({ resolution: 5 });
  const gc = { pauses: 0, longest: 0, total: 0 };
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      gc.pauses += 1;
      gc.longest = Math.max(gc.longest, entry.duration);
      gc.total += entry.duration;
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  delay.enable();
  try {
    const result = await work();
    return {
      result,
      stalls: {
        eventLoopDelayP99Ms: round(delay.percentile(99) / 1e6),
        eventLoopDelayMaxMs: round(delay.max / 1e6),
        gcPauses: gc.pauses,
        gcLongestMs: round(gc.longest),
        gcTotalMs: round(gc.total),
      },
    };
  } finally {
    delay.disable();
    observer.disconnect();
  }
}
