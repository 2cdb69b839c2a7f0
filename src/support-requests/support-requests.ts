import type { Connection, Model } from 'mongoose';
import { objectIdOf } from '../store/object-ids.ts';
import { supportRequestModel, type SupportRequestRecord } from './support-request-model.ts';

/** A request from an "Ask support" page (or "This wasn't me"), as support reads it: string ids. */
export type SupportRequest = Readonly<Omit<SupportRequestRecord, '_id'> & { id: string }>;

export type NewSupportRequest = Omit<SupportRequest, 'id' | 'createdAt' | 'status' | 'resolvedAt' | 'resolvedBy'>;

const plain = ({ _id, ...request }: SupportRequestRecord): SupportRequest => ({ ...request, id: _id.toHexString() });

/** The support requests collection's one owner: people open requests, support lists and resolves them. */
export class SupportRequests {
  readonly #model: Model<SupportRequestRecord>;

  constructor(connection: Connection) {
    this.#model = supportRequestModel(connection);
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

  /** Newest first. */
  async list(status: SupportRequest['status'], limit: number): Promise<SupportRequest[]> {
    const found = await this.#model
      .find({ status })
      .sort({ createdAt: -1, _id: -1 })
      .limit(limit)
      .lean<SupportRequestRecord[]>()
      .exec();
    return found.map(plain);
  }

  /** Nothing for an id that is no id. */
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
