import type {
  AttemptRecord,
  ClaimOutcome,
  DeliveryCursor,
  DeliveryTry,
  NewWebhookDelivery,
  ReplayOutcome,
  WebhookDelivery,
  WebhookDeliveryStore,
} from '../../../src/events/webhook-deliveries.ts';
import { queuedDelivery } from '../../../src/events/webhook-deliveries.ts';

// The delivery store in memory, for tests of the flows that publish and of the worker's rules without MongoDB. It
// is held to the same conformance suite as the MongoDB store (test/events/deliveries-conformance.test.ts), so it
// cannot drift from it. Ids are 24 hex digits, increasing, like ObjectIds.

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

let counter = 0;
const newId = () => `${Date.now().toString(16).padStart(12, '0')}${(counter++).toString(16).padStart(12, '0')}`;
const ID = /^[0-9a-f]{24}$/;

export class MemoryWebhookDeliveries implements WebhookDeliveryStore {
  readonly deliveries = new Map<string, Mutable<WebhookDelivery>>();
  readonly #claims = new Map<string, { workerId: string; claimedAt: Date }>();
  readonly #replays = new Set<string>();
  /** Makes every call fail, as a store that is down does. */
  failing = false;

  #check(): void {
    if (this.failing) throw new Error('store unavailable (test)');
  }

  async add(deliveries: readonly NewWebhookDelivery[]): Promise<void> {
    this.#check();
    for (const delivery of deliveries) {
      const taken = [...this.deliveries.values()].some((d) => d.eventId === delivery.eventId && d.url === delivery.url);
      if (taken) continue;
      const id = newId();
      this.deliveries.set(id, { ...queuedDelivery(delivery), id });
    }
  }

  async due(now: Date, afterId: string | null, limit: number): Promise<WebhookDelivery[]> {
    this.#check();
    return [...this.deliveries.values()]
      .filter((d) => d.status === 'pending' && d.nextAttemptAt <= now && (afterId === null || d.id > afterId))
      .sort((a, b) => a.id.localeCompare(b.id))
      .slice(0, limit)
      .map((d) => ({ ...d }));
  }

  async claimAttempt(attempt: DeliveryTry, workerId: string, now: Date, leaseMs: number): Promise<ClaimOutcome> {
    this.#check();
    const base = `${attempt.id}:${attempt.round}:${attempt.attempt}`;
    for (let generation = 0; ; generation += 1) {
      const key = generation === 0 ? base : `${base}:takeover-${generation}`;
      const holder = this.#claims.get(key);
      if (!holder) {
        this.#claims.set(key, { workerId, claimedAt: now });
        return generation === 0 ? 'claimed' : 'abandoned';
      }
      if (now.getTime() - holder.claimedAt.getTime() < leaseMs) return 'held';
    }
  }

  async renewClaim(attempt: DeliveryTry, workerId: string, now: Date): Promise<void> {
    const claim = this.#claims.get(`${attempt.id}:${attempt.round}:${attempt.attempt}`);
    if (claim?.workerId === workerId) claim.claimedAt = now;
  }

  async isPendingAt({ id, round, attempt }: DeliveryTry): Promise<boolean> {
    const found = this.deliveries.get(id);
    return found?.status === 'pending' && found.round === round && found.attempts === attempt;
  }

  async recordAttempt(attempt: DeliveryTry, outcome: AttemptRecord): Promise<boolean> {
    const found = this.deliveries.get(attempt.id);
    if (!found || !(await this.isPendingAt(attempt))) return false;
    const finished = outcome.status !== 'pending';
    Object.assign(found, {
      status: outcome.status,
      attempts: attempt.attempt + 1,
      lastStatus: outcome.lastStatus,
      lastError: outcome.lastError,
      nextAttemptAt: finished ? outcome.at : outcome.nextAttemptAt,
      finishedAt: finished ? outcome.at : null,
    });
    return true;
  }

  async find(id: string): Promise<WebhookDelivery | null> {
    this.#check();
    const found = ID.test(id) ? this.deliveries.get(id) : undefined;
    return found ? { ...found } : null;
  }

  async failed(limit: number, before?: DeliveryCursor): Promise<WebhookDelivery[]> {
    this.#check();
    const at = (d: WebhookDelivery) => d.finishedAt?.getTime() ?? 0;
    return [...this.deliveries.values()]
      .filter((d) => d.status === 'failed')
      .filter(
        (d) =>
          !before || at(d) < before.finishedAt.getTime() || (at(d) === before.finishedAt.getTime() && d.id < before.id),
      )
      .sort((a, b) => at(b) - at(a) || b.id.localeCompare(a.id))
      .slice(0, limit)
      .map((d) => ({ ...d }));
  }

  async replay(id: string, { actor, at }: { actor: string; at: Date }): Promise<ReplayOutcome> {
    this.#check();
    const found = ID.test(id) ? this.deliveries.get(id) : undefined;
    if (!found) return 'not-found';
    if (found.status === 'pending') return 'pending';
    const key = `${id}:${found.round + 1}`;
    if (this.#replays.has(key)) return 'replayed-already';
    this.#replays.add(key);
    Object.assign(found, {
      status: 'pending',
      round: found.round + 1,
      attempts: 0,
      nextAttemptAt: at,
      lastStatus: null,
      lastError: null,
      finishedAt: null,
      replayedAt: at,
      replayedBy: actor,
    });
    return 'replayed';
  }
}
