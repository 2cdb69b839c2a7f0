/** A pass's clock: it starts at the pass's `now` (tests inject it) and runs on from there in real time. */
export type PassClock = () => Date;

const PAGE_SIZE = 100;
/** A pass ends after a minute so that `stop()` never waits long; the next poll continues where it left off. */
const PASS_BUDGET_MS = 60_000;

/**
 * One pass of a worker over the items due at `now` (outbox messages, webhook deliveries): reads them a page at a time
 * in id order, so every item due at the start of the pass is looked at once, even those whose claim another worker
 * holds (they stay due), and hands each to `handle`, at most `concurrency` at once, until the pass's budget is spent.
 * Resolves with how many `handle` reported done.
 */
export async function passOverDue<T extends { id: string }>(
  now: Date,
  due: (now: Date, afterId: string | null, limit: number) => Promise<T[]>,
  handle: (item: T, clock: PassClock) => Promise<boolean>,
  concurrency = 1,
): Promise<number> {
  const started = Date.now();
  const clock: PassClock = () => new Date(now.getTime() + (Date.now() - started));
  const spent = () => Date.now() - started > PASS_BUDGET_MS;
  let done = 0;
  let afterId: string | null = null;
  for (;;) {
    const page = await due(now, afterId, PAGE_SIZE);
    await eachAtMost(concurrency, page, async (item) => {
      if (!spent() && (await handle(item, clock))) done += 1;
    });
    const last = page.at(-1);
    if (!last || page.length < PAGE_SIZE || spent()) return done;
    afterId = last.id;
  }
}

/**
 * Runs `work` on every item with at most `limit` at once. The first failure (the store is gone) stops the lanes
 * from taking more items and is thrown once every try in flight has ended, so no claimed try is left unrecorded by
 * a pass that has already returned.
 */
async function eachAtMost<T>(limit: number, items: readonly T[], work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const lane = async (): Promise<void> => {
    while (next < items.length && !failure) {
      const item = items[next] as T;
      next += 1;
      try {
        await work(item);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, lane));
  if (failure) throw failure.error;
}
