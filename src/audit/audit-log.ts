import type { Connection, Model } from 'mongoose';
import { objectIdOf } from '../store/object-ids.ts';
import type { Logger } from '../log/logger.ts';
import { ensureIndexes } from '../store/mongo.ts';
import { auditEventModel, type AuditEventRecord } from './audit-event-model.ts';
import type { AuditEntry, AuditEvent, AuditSearch, AuditStore } from './audit-store.ts';

function entryOf({ _id, accountId, ...event }: AuditEventRecord): AuditEntry {
  return { ...event, id: _id.toHexString(), accountId: accountId?.toHexString() ?? null };
}

export interface AuditLogOptions {
  /** The clock that dates each event (tests set it). */
  now?: () => Date;
}

/**
 * What happened, to whom, from where — stored in MongoDB for people investigating an account, and logged.
 * An audit write that fails is logged and does not fail the user's request: the action itself already happened.
 */
export class AuditLog implements AuditStore {
  readonly #events: Model<AuditEventRecord>;
  readonly #logger: Logger;
  readonly #now: () => Date;

  constructor(connection: Connection, logger: Logger, options: AuditLogOptions = {}) {
    this.#events = auditEventModel(connection);
    this.#logger = logger.child({ audit: true });
    this.#now = options.now ?? (() => new Date());
  }

  ensureIndexes(): Promise<void> {
    return ensureIndexes([this.#events], this.#logger);
  }

  async record(event: AuditEvent): Promise<void> {
    const accountId = event.accountId ? objectIdOf(event.accountId) : null;
    this.#logger.info({ ...event, accountId: accountId?.toHexString() ?? null }, event.type);
    try {
      await this.#events.create({ ...event, accountId, at: this.#now() });
    } catch (error) {
      this.#logger.error({ err: error, type: event.type }, 'audit event could not be stored');
    }
  }

  async search(criteria: AuditSearch, limit: number): Promise<AuditEntry[]> {
    const filter: Record<string, unknown> = {};
    if (criteria.accountId !== undefined) {
      const accountId = criteria.accountId === null ? null : objectIdOf(criteria.accountId);
      // Matches nothing, rather than everything (and a placeholder such as 'none' makes mongoose throw a CastError).
      if (!accountId) return [];
      filter.accountId = accountId;
    }
    if (criteria.type) filter.type = criteria.type;
    if (criteria.since || criteria.until) {
      filter.at = {
        ...(criteria.since ? { $gte: criteria.since } : {}),
        ...(criteria.until ? { $lt: criteria.until } : {}),
      };
    }
    if (criteria.person) {
      filter.$or = [
        ...criteria.person.signIns.map(({ upstreamId, subject }) => ({ upstreamId, subject })),
        { 'detail.personId': criteria.person.id ?? 'none' },
      ];
    }
    return this.#newest(filter, limit);
  }

  recent(filter: Partial<Pick<AuditEntry, 'type' | 'subject'>> = {}, limit = 50): Promise<AuditEntry[]> {
    return this.#newest(filter, limit);
  }

  async #newest(filter: Record<string, unknown>, limit: number): Promise<AuditEntry[]> {
    const found = await this.#events
      .find(filter)
      .sort({ at: -1, _id: -1 })
      .limit(limit)
      .lean<AuditEventRecord[]>()
      .exec();
    return found.map(entryOf);
  }
}
