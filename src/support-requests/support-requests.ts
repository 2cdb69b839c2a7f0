import type { Connection, Model } from 'mongoose';
import type { Logger } from '../log/logger.ts';
import { ensureIndexes } from '../store/mongo.ts';
import { objectIdOf } from '../store/object-ids.ts';
import { supportRequestModel, type SupportRequestRecord } from './support-request-model.ts';

/** A request from an "Ask support" page (or "This wasn't me"), as support reads it: string ids. */
export type SupportRequest = Readonly<Omit<SupportRequestRecord, '_id'> & { id: string }>;

export type NewSupportRequest = Omit<SupportRequest, 'id' | 'createdAt' | 'status' | 'resolvedAt' | 'resolvedBy'>;

/** Support's criteria; every one given must hold. */
export interface SupportRequestSearch {
  /** Absent: any status. */
  status?: SupportRequest['status'];
  /** Requests any of these sign-ins sent (issuer and subject); an empty list matches nothing. */
  signIns?: ReadonlyArray<{ issuer: string; subject: string }>;
  /** Created from this instant on (included). */
  createdFrom?: Date;
  /** Created before this instant (excluded). */
  createdTo?: Date;
  /** Contained, in any case, in the message, customer, reply address or sign-in name: taken literally. */
  text?: string;
}

/** The last request of a page (its `createdAt` and id): the next page holds the requests after it. */
export interface SupportRequestPosition {
  readonly at: Date;
  readonly id: string;
}

export interface SupportRequestPageRequest {
  limit: number;
  /** Only requests after this one (an id that is no id matches nothing). */
  after?: SupportRequestPosition;
}

/** The support requests as the rest of the broker sees them; a test's in-memory store is held to the same suite. */
export interface SupportRequestStore {
  open(fields: NewSupportRequest, at: Date): Promise<SupportRequest>;
  /**
   * Newest first, the same instant by id descending, at most `limit`, after `after`: a total order, so paging by the
   * last request of each page neither repeats nor skips one.
   */
  search(criteria: SupportRequestSearch, page: SupportRequestPageRequest): Promise<SupportRequest[]>;
  /** Nothing for an id that is no id. */
  find(id: string): Promise<SupportRequest | null>;
  /** An open request only; a resolved one stays as it was resolved. */
  resolve(id: string, at: Date, by: string): Promise<void>;
}

/** The fields `text` is looked for in. */
export const SUPPORT_REQUEST_TEXT_FIELDS = ['message', 'customer', 'replyTo', 'signInName'] as const;

const plain = ({ _id, ...request }: SupportRequestRecord): SupportRequest => ({ ...request, id: _id.toHexString() });

type Filter = Record<string, unknown>;

/** What support types is a text to find, not a pattern: `a.b` finds "a.b" only, `(` is no syntax error. */
const literally = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The conditions of a search, every one to hold; null when one of them can match nothing. */
function conditionsOf(criteria: SupportRequestSearch): Filter[] | null {
  const all: Filter[] = [];
  if (criteria.status) all.push({ status: criteria.status });
  if (criteria.signIns) {
    // An empty $or is refused by the server: nothing to match, so nothing matches.
    if (criteria.signIns.length === 0) return null;
    all.push({ $or: criteria.signIns.map(({ issuer, subject }) => ({ issuer, subject })) });
  }
  if (criteria.createdFrom || criteria.createdTo) {
    all.push({
      createdAt: {
        ...(criteria.createdFrom ? { $gte: criteria.createdFrom } : {}),
        ...(criteria.createdTo ? { $lt: criteria.createdTo } : {}),
      },
    });
  }
  if (criteria.text) {
    // No text index (FerretDB has none): a case-insensitive scan, bounded by the other criteria and the page.
    const pattern = { $regex: literally(criteria.text), $options: 'i' };
    all.push({ $or: SUPPORT_REQUEST_TEXT_FIELDS.map((field) => ({ [field]: pattern })) });
  }
  return all;
}

/** After `position` in the order newest first, then by `_id` descending: the next page. */
function after(position: SupportRequestPosition): Filter | null {
  const id = objectIdOf(position.id);
  if (!id) return null;
  return { $or: [{ createdAt: { $lt: position.at } }, { createdAt: position.at, _id: { $lt: id } }] };
}

/** The support requests collection's one owner: people open requests, support lists and resolves them. */
export class SupportRequests implements SupportRequestStore {
  readonly #model: Model<SupportRequestRecord>;

  constructor(connection: Connection) {
    this.#model = supportRequestModel(connection);
  }

  ensureIndexes(logger: Logger): Promise<void> {
    return ensureIndexes([this.#model], logger);
  }

  async open(fields: NewSupportRequest, at: Date): Promise<SupportRequest> {
    const created = await this.#model.create({
      ...fields,
      createdAt: at,
      status: 'open',
      resolvedAt: null,
      resolvedBy: null,
    });
    return plain(created.toObject());
  }

  async search(criteria: SupportRequestSearch, page: SupportRequestPageRequest): Promise<SupportRequest[]> {
    const conditions = conditionsOf(criteria);
    const paging = page.after ? after(page.after) : {};
    if (!conditions || !paging) return [];
    const all = [...conditions, paging].filter((c) => Object.keys(c).length > 0);
    const found = await this.#model
      .find(all.length > 0 ? { $and: all } : {})
      .sort({ createdAt: -1, _id: -1 })
      .limit(page.limit)
      .lean<SupportRequestRecord[]>()
      .exec();
    return found.map(plain);
  }

  async find(id: string): Promise<SupportRequest | null> {
    const key = objectIdOf(id);
    const found = key ? await this.#model.findById(key).lean<SupportRequestRecord>().exec() : null;
    return found ? plain(found) : null;
  }

  async resolve(id: string, at: Date, by: string): Promise<void> {
    const key = objectIdOf(id);
    if (!key) return;
    await this.#model
      .updateOne({ _id: key, status: 'open' }, { $set: { status: 'resolved', resolvedAt: at, resolvedBy: by } })
      .exec();
  }
}
