import { OutboxSecrets } from '../../../src/mail/outbox-secrets.ts';
import { isObjectIdText } from '../../../src/store/object-ids.ts';
import type {
  AttemptFailure,
  ClaimOutcome,
  ListPosition,
  MailMessage,
  OutboxMessage,
  OutboxStore,
} from '../../../src/mail/outbox-store.ts';
import { queuedMessage } from '../../../src/mail/outbox-store.ts';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

const newestFirst = (a: ListPosition, b: ListPosition) =>
  b.createdAt.getTime() - a.createdAt.getTime() || b.id.localeCompare(a.id);

/**
 * The outbox in memory, held to the same conformance suite as MongoDB (test/mail/conformance/). Secrets are sealed
 * with the broker's own OutboxSecrets, so what a test reads here is what MongoDB would hold.
 */
export class MemoryOutbox implements OutboxStore {
  readonly #messages = new Map<string, Mutable<MailMessage>>();
  /** Per attempt (`<id>:<attempt>`), every claim in the order they were won: the last one holds it. */
  readonly #claims = new Map<string, { workerId: string; claimedAt: Date }[]>();
  readonly #retried = new Set<string>();
  readonly #secrets: OutboxSecrets;
  readonly #now: () => Date;
  #ids = 0;

  constructor(options: { sealingKeys: readonly string[]; now?: () => Date }) {
    this.#secrets = new OutboxSecrets(options.sealingKeys);
    this.#now = options.now ?? (() => new Date());
  }

  async enqueue(message: OutboxMessage): Promise<string> {
    // Ids that look like the store's and sort in the order they were made, as ObjectIds do.
    const id = (this.#ids += 1).toString(16).padStart(24, '0');
    const sealed = this.#secrets.seal(id, message);
    const now = this.#now();
    this.#messages.set(id, { id, ...queuedMessage({ ...message, data: { ...message.data } }, sealed, now) });
    return id;
  }

  async find(id: string): Promise<MailMessage | null> {
    const found = this.#messages.get(id);
    return found ? { ...found } : null;
  }

  async recent(limit = 50): Promise<MailMessage[]> {
    return [...this.#messages.values()]
      .sort(newestFirst)
      .slice(0, limit)
      .map((m) => ({ ...m }));
  }

  async failures(limit: number, after?: ListPosition): Promise<MailMessage[]> {
    if (after && !isObjectIdText(after.id)) return [];
    return (
      [...this.#messages.values()]
        .filter((m) => m.status === 'failed' || m.status === 'expired')
        // Strictly after the position in the same order as the list.
        .filter((m) => !after || newestFirst(after, m) < 0)
        .sort(newestFirst)
        .slice(0, limit)
        .map((m) => ({ ...m }))
    );
  }

  async retry(message: MailMessage, { actor, at }: { actor: string; at: Date }): Promise<string | 'retried-already'> {
    // Taken before the first await: a second retry at the same time is refused.
    if (this.#retried.has(message.id)) return 'retried-already';
    this.#retried.add(message.id);
    const newId = await this.enqueue({ to: message.to, template: message.template, data: { ...message.data } });
    const old = this.#messages.get(message.id);
    if (old?.status === 'failed') Object.assign(old, { status: 'retried', retry: { messageId: newId, at, by: actor } });
    return newId;
  }

  async due(now: Date, afterId: string | null, limit: number): Promise<MailMessage[]> {
    return [...this.#messages.values()]
      .filter((m) => m.status === 'pending' && m.nextAttemptAt <= now && (afterId === null || m.id > afterId))
      .sort((a, b) => a.id.localeCompare(b.id))
      .slice(0, limit)
      .map((m) => ({ ...m }));
  }

  async claimAttempt(
    messageId: string,
    attempt: number,
    workerId: string,
    now: Date,
    leaseMs: number,
  ): Promise<ClaimOutcome> {
    const key = `${messageId}:${attempt}`;
    const claims = this.#claims.get(key);
    if (!claims) {
      this.#claims.set(key, [{ workerId, claimedAt: now }]);
      return 'claimed';
    }
    const holder = claims.at(-1);
    if (holder && now.getTime() - holder.claimedAt.getTime() < leaseMs) return 'held';
    claims.push({ workerId, claimedAt: now });
    return 'abandoned';
  }

  async renewClaim(messageId: string, attempt: number, workerId: string, now: Date): Promise<void> {
    // Only the first claimant sends, so only its claim is ever renewed.
    const first = this.#claims.get(`${messageId}:${attempt}`)?.[0];
    if (first?.workerId === workerId) first.claimedAt = now;
  }

  async isPendingAt(messageId: string, attempt: number): Promise<boolean> {
    const found = this.#messages.get(messageId);
    return found?.status === 'pending' && found.attempts === attempt;
  }

  templateValues(message: MailMessage): Record<string, unknown> {
    return this.#secrets.templateValues(message);
  }

  #moveFromPending(messageId: string, attempt: number, change: Partial<MailMessage>): boolean {
    const found = this.#messages.get(messageId);
    if (found?.status !== 'pending' || found.attempts !== attempt) return false;
    Object.assign(found, change);
    // Leaving `pending` keeps nothing usable.
    if (found.status !== 'pending') found.sealed = null;
    return true;
  }

  async recordSent(messageId: string, attempt: number, providerMessageId: string, sentAt: Date): Promise<boolean> {
    const sent = { status: 'sent', attempts: attempt + 1, providerMessageId, sentAt, lastError: null } as const;
    return this.#moveFromPending(messageId, attempt, sent);
  }

  async recordFailure(messageId: string, attempt: number, failure: AttemptFailure): Promise<boolean> {
    return this.#moveFromPending(messageId, attempt, { ...failure, attempts: attempt + 1 });
  }

  async recordExpired(messageId: string, attempt: number): Promise<boolean> {
    const lastError = 'not sent: its link expired before it could be delivered';
    return this.#moveFromPending(messageId, attempt, { status: 'expired', lastError });
  }
}
