import { decideAttempt, DEFAULT_RETRY_POLICY, type RetryPolicy } from '../../src/events/retry-policy.ts';
import { retryAfterMs, type SendResult } from '../../src/events/webhook-sender.ts';

const policy: RetryPolicy = {
  maxAttempts: 5,
  initialDelayMs: 30_000,
  maxDelayMs: 3_600_000,
  maxRetryAfterMs: 600_000,
  jitter: () => 0,
};
const triedAt = new Date('2026-12-01T10:00:00.000Z');
const answeredAt = new Date('2026-12-01T10:00:02.000Z');
const answered = (status: number, retryAfter?: number): SendResult => ({
  kind: 'answered',
  status,
  retryAfterMs: retryAfter,
});
const decide = (result: SendResult, attempts = 1, rules = policy) =>
  decideAttempt(result, attempts, triedAt, answeredAt, rules);
const after = (ms: number) => new Date(triedAt.getTime() + ms);

describe('what a try means for its delivery', () => {
  it.each([200, 201, 202, 204, 299])('%i: delivered', (status) => {
    expect(decide(answered(status))).toMatchObject({ outcome: 'delivered', status: 'delivered', lastStatus: status });
  });

  it.each([301, 302, 307, 400, 401, 403, 404, 405, 409, 410, 413, 422])(
    '%i: failed at once with that status (repeating it cannot change the answer)',
    (status) => {
      expect(decide(answered(status))).toEqual({
        outcome: 'rejected',
        status: 'failed',
        lastStatus: status,
        lastError: `the endpoint answered HTTP ${status}`,
        nextAttemptAt: answeredAt,
      });
    },
  );

  it.each([408, 429, 500, 502, 503, 504])('%i: tried again after the back-off', (status) => {
    expect(decide(answered(status))).toMatchObject({
      outcome: 'retry',
      status: 'pending',
      lastStatus: status,
      nextAttemptAt: after(30_000),
    });
  });

  it('no answer in time, or no connection: tried again, with no status', () => {
    expect(decide({ kind: 'timeout' })).toMatchObject({
      outcome: 'retry',
      lastStatus: null,
      nextAttemptAt: after(30_000),
    });
    expect(decide({ kind: 'unreachable', reason: 'ECONNREFUSED' })).toMatchObject({
      outcome: 'retry',
      lastError: 'the endpoint could not be reached: ECONNREFUSED',
    });
  });

  it('a refused private address: failed at once', () => {
    expect(decide({ kind: 'refused', reason: 'x resolves to the private address 10.0.0.1' })).toMatchObject({
      outcome: 'rejected',
      status: 'failed',
      lastStatus: null,
    });
  });

  it('doubles the wait after each failed try up to maxDelay', () => {
    const waits = [1, 2, 3, 4].map(
      (attempts) => decide(answered(500), attempts).nextAttemptAt.getTime() - triedAt.getTime(),
    );
    expect(waits).toEqual([30_000, 60_000, 120_000, 240_000]);
    const capped = decide(answered(500), 4, { ...policy, maxDelayMs: 100_000 });
    expect(capped.nextAttemptAt).toEqual(after(100_000));
  });

  it('fails the delivery after its last try, keeping the last answer', () => {
    expect(decide(answered(503), 5)).toMatchObject({ outcome: 'failed', status: 'failed', lastStatus: 503 });
    expect(decide({ kind: 'timeout' }, 5)).toMatchObject({ outcome: 'failed', lastStatus: null });
  });

  it("waits for a 429's or 503's Retry-After from the answer, bounded by maxRetryAfter", () => {
    expect(decide(answered(429, 120_000)).nextAttemptAt).toEqual(new Date(answeredAt.getTime() + 120_000));
    expect(decide(answered(503, 120_000)).nextAttemptAt).toEqual(new Date(answeredAt.getTime() + 120_000));
    expect(decide(answered(429, 86_400_000)).nextAttemptAt).toEqual(new Date(answeredAt.getTime() + 600_000));
    // Never sooner than the back-off, and only 429 and 503 are believed.
    expect(decide(answered(429, 1_000)).nextAttemptAt).toEqual(after(30_000));
    expect(decide(answered(500, 120_000)).nextAttemptAt).toEqual(after(30_000));
  });

  it('lengthens each wait by up to a tenth at random, never shortens it', () => {
    const jittered = { ...policy, jitter: () => 0.999 };
    const wait = decide(answered(500), 1, jittered).nextAttemptAt.getTime() - triedAt.getTime();
    expect(wait).toBeGreaterThan(30_000);
    expect(wait).toBeLessThan(33_000);
  });

  it('by default keeps trying for about a day and a half', () => {
    let total = 0;
    for (let attempts = 1; attempts < DEFAULT_RETRY_POLICY.maxAttempts; attempts += 1) {
      total += Math.min(DEFAULT_RETRY_POLICY.maxDelayMs, DEFAULT_RETRY_POLICY.initialDelayMs * 2 ** (attempts - 1));
    }
    expect(total / 3_600_000).toBeGreaterThan(24);
    expect(total / 3_600_000).toBeLessThan(48);
  });
});

describe('Retry-After', () => {
  const now = new Date('2026-12-01T10:00:00.000Z');
  it('reads delay-seconds and an HTTP date, and ignores what it cannot read', () => {
    expect(retryAfterMs('120', now)).toBe(120_000);
    expect(retryAfterMs('Tue, 01 Dec 2026 10:01:00 GMT', now)).toBe(60_000);
    expect(retryAfterMs('Tue, 01 Dec 2026 09:00:00 GMT', now)).toBe(0);
    expect(retryAfterMs('soon', now)).toBeUndefined();
    expect(retryAfterMs(undefined, now)).toBeUndefined();
    expect(retryAfterMs('-5', now)).toBeUndefined();
  });
});
