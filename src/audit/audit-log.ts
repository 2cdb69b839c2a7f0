import type { Connection, Model } from 'mongoose';
import { objectIdOf } from '../store/object-ids.ts';
import type { Logger } from '../log/logger.ts';
import { ensureIndexes } from '../store/mongo.ts';
import { auditEventModel, type AuditEventRecord, type AuditEventType } from './audit-event-model.ts';

export interface AuditEvent {
  type: AuditEventType;
  upstreamId?: string;
  subject?: string;
  accountId?: string | null;
  ip?: string;
  reason?: string;
  detail?: Record<string, string | number | boolean | null>;
}

function entryOf({ _id, accountId, ...event }: AuditEventRecord): AuditEntry {
  return { ...event, id: _id.toHexString(), accountId: accountId?.toHexString() ?? null };
}

/** `j***@example.com`: enough to recognise an address in an investigation, not enough to learn one. */
export function maskEmail(address: string): string {
  const at = address.lastIndexOf('@');
  if (at < 1) return '***';
  return `${address[0]}***${address.slice(at)}`;
}

/**
 * What happened, to whom, from where — stored in MongoDB for people investigating an account, and logged.
 * An audit write that fails is logged and does not fail the user's request: the action itself already happened.
 */
/** A stored audit event as support reads it: string ids. */
export interface AuditEntry extends Omit<AuditEvent, 'accountId'> {
  readonly id: string;
  readonly at: Date;
  readonly accountId: string | null;
}

export interface AuditSearch {
  /** null: an id that was no id, which matches nothing. */
  accountId?: string | null;
  person?: { id: string | null; signIns: ReadonlyArray<{ upstreamId: string; subject: string }> };
  type?: AuditEventType;
  since?: Date;
  until?: Date;
}

export class AuditLog {
  readonly #events: Model<AuditEventRecord>;
  readonly #logger: Logger;

  constructor(connection: Connection, logger: Logger) {
    this.#events = auditEventModel(connection);
    this.#logger = logger.child({ audit: true });
  }

  ensureIndexes(): Promise<void> {
    return ensureIndexes([this.#events] as unknown as Model<never>[], this.#logger);
  }

  async record(event: AuditEvent): Promise<void> {
    const accountId = event.accountId ? objectIdOf(event.accountId) : null;
    this.#logger.info({ ...event, accountId: accountId?.toHexString() ?? null }, event.type);
    try {
      await this.#events.create({ ...event, accountId, at: new Date() });
    } catch (error) {
      this.#logger.error({ err: error, type: event.type }, 'audit event could not be stored');
    }
  }

  /**
   * Support's search, newest first. `accountId` null matches nothing (an id that was no id, rather than everything);
   * `person` matches the events of any of the person's sign-ins and those that name the person.
   */
  async search(criteria: AuditSearch, limit: number): Promise<AuditEntry[]> {
    const filter: Record<string, unknown> = {};
    if (criteria.accountId !== undefined) {
      filter.accountId = (criteria.accountId ? objectIdOf(criteria.accountId) : null) ?? 'none';
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

  /** Newest first; for tests, the admin and investigations. */
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
