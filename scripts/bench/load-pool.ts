import { performance } from 'node:perf_hooks';

/** One unit of work; `index` counts from 0 across the whole run. */
export type Task = (index: number) => Promise<void>;

export interface RunResult {
  completed: number;
  failed: number;
  /** From the first start to the last completion. */
  elapsedMs: number;
  /** Per completed task; for an open-loop run measured from the task's *scheduled* start. */
  latenciesMs: number[];
  /** The first few failure messages, for the report. */
  errors: string[];
  /** Open loop only: tasks not started because `maxInFlight` were still running (counted as failed). */
  skipped: number;
}

const MAX_ERRORS_KEPT = 5;

function collector() {
  const result: RunResult = { completed: 0, failed: 0, elapsedMs: 0, latenciesMs: [], errors: [], skipped: 0 };
  return {
    result,
    async time(task: Task, index: number, startedAt: number): Promise<void> {
      try {
        await task(index);
        result.completed += 1;
        result.latenciesMs.push(performance.now() - startedAt);
      } catch (error) {
        result.failed += 1;
        if (result.errors.length < MAX_ERRORS_KEPT) result.errors.push((error as Error).message);
      }
    },
  };
}

/**
 * Closed loop: `concurrency` workers each start the next task as soon as their previous one ends, until `maxCount`
 * tasks were started or `maxMs` passed (a task running at the deadline is awaited, never cut short).
 */
export async function closedLoop(options: { concurrency: number; maxCount: number; maxMs: number; task: Task }): Promise<RunResult> {
  const { result, time } = collector();
  const started = performance.now();
  const deadline = started + options.maxMs;
  let next = 0;
  const worker = async () => {
    while (next < options.maxCount && performance.now() < deadline) {
      const index = next;
      next += 1;
      await time(options.task, index, performance.now());
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency, options.maxCount) }, worker));
  result.elapsedMs = performance.now() - started;
  return result;
}

/**
 * Open loop: task i is due at `i / ratePerSecond` seconds, whether or not earlier ones have finished, for
 * `durationMs`; latency counts from when a task was due, so a server falling behind shows up in the percentiles
 * (no coordinated omission). A task due while `maxInFlight` are running is skipped and counted as failed.
 */
export async function openLoop(options: { ratePerSecond: number; durationMs: number; maxInFlight: number; task: Task }): Promise<RunResult> {
  const { result, time } = collector();
  const total = Math.max(1, Math.floor((options.ratePerSecond * options.durationMs) / 1000));
  const intervalMs = 1000 / options.ratePerSecond;
  const started = performance.now();
  const running = new Set<Promise<void>>();
  for (let index = 0; index < total; index += 1) {
    const due = started + index * intervalMs;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    if (running.size >= options.maxInFlight) {
      result.skipped += 1;
      result.failed += 1;
      continue;
    }
    const run = time(options.task, index, due).finally(() => running.delete(run));
    running.add(run);
  }
  await Promise.all(running);
  result.elapsedMs = performance.now() - started;
  return result;
}
