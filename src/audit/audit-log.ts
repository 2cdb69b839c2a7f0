import type { Connection, Model } from 'mongoose';
import { objectIdOf } from '../store/object-ids.ts';
import type { Logger } from '../log/logger.ts';
import { ensureIndexes } from '../store/mongo.ts';
import { auditEventModel, type AuditEventRecord } from './audit-event-model.ts';
import {
  namesOf,
  type AuditEntry,
  type AuditEvent,
  type AuditPageRequest,
  type AuditPosition,
  type AuditSearch,
  type AuditStore,
} from './audit-store.ts';

function entryOf({ _id, accountId, ...event }: AuditEventRecord): AuditEntry {
  return { ...event, ...namesOf(event), id: _id.toHexString(), accountId: accountId?.toHexString() ?? null };
}

type Filter = Record<string, unknown>;

/** After `position` in the order newest first, then by `_id` descending: the next page. */
function after(position: AuditPosition): Filter | null {
  const id = objectIdOf(position.id);
  if (!id) return null;
  return { $or: [{ at: { $lt: position.at } }, { at: position.at, _id: { $lt: id } }] };
}

/** The conditions of a search, every one to hold; null when one of them can match nothing. */
function conditionsOf(criteria: AuditSearch): Filter[] | null {
  const all: Filter[] = [];
  if (criteria.accountId !== undefined) {
    const accountId = criteria.accountId === null ? null : objectIdOf(criteria.accountId);
    // Matches nothing, rather than everything (and a placeholder such as 'none' makes mongoose throw a CastError).
    if (!accountId) return null;
    all.push({ accountId });
  }
  if (criteria.types) {
    if (criteria.types.length === 0) return null;
    all.push({ type: { $in: [...criteria.types] } });
  }
  if (criteria.from || criteria.to) {
    all.push({
      at: { ...(criteria.from ? { $gte: criteria.from } : {}), ...(criteria.to ? { $lt: criteria.to } : {}) },
    });
  }
  // Entries stored before `actor` and `personId` were fields name them in `detail` only (namesOf reads them so).
  if (criteria.actor !== undefined) all.push({ $or: [{ actor: criteria.actor }, { 'detail.actor': criteria.actor }] });
  if (criteria.person) {
    const { id, signIns } = criteria.person;
    const either: Filter[] = [
      ...signIns.map(({ upstreamId, subject }) => ({ upstreamId, subject })),
      ...(id === null ? [] : [{ personId: id }, { 'detail.personId': id }]),
    ];
    // An empty $or is refused by the server: nothing to match, so nothing matches.
    if (either.length === 0) return null;
    all.push({ $or: either });
  }
  return all;
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
    const names = namesOf(event);
    this.#logger.info({ ...event, ...names, accountId: accountId?.toHexString() ?? null }, event.type);
    try {
      await this.#events.create({ ...event, ...names, accountId, at: this.#now() });
    } catch (error) {
      this.#logger.error({ err: error, type: event.type }, 'audit event could not be stored');
    }
  }

  async search(criteria: AuditSearch, page: AuditPageRequest): Promise<AuditEntry[]> {
    const conditions = conditionsOf(criteria);
    const paging = page.after ? after(page.after) : {};
    if (!conditions || !paging) return [];
    const all = [...conditions, paging].filter((c) => Object.keys(c).length > 0);
    return this.#newest(all.length > 0 ? { $and: all } : {}, page.limit);
  }

  recent(filter: Partial<Pick<AuditEntry, 'type' | 'subject'>> = {}, limit = 50): Promise<AuditEntry[]> {
    return this.#newest(filter, limit);
  }

  async #newest(filter: Filter, limit: number): Promise<AuditEntry[]> {
    const found = await this.#events
      .find(filter)
      .sort({ at: -1, _id: -1 })
      .limit(limit)
      .lean<AuditEventRecord[]>()
      .exec();
    return found.map(entryOf);
  }
}
