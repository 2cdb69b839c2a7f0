import type { Connection, Model, Types } from 'mongoose';
import { identityModel, type IdentityRecord } from '../accounts/identity-model.ts';
import { isDuplicateKeyError } from '../store/errors.ts';
import type { IdentityLinkStore, LinkOutcome, NewLink } from './ports.ts';

export type { LinkOutcome, NewLink };

/**
 * Writes identity links. The insert is the guard: the unique indexes on (issuer, subject) and (accountId,
 * upstreamId) decide races, because a conditional update is not atomic on FerretDB. A duplicate-key error is then
 * explained by reading what is there (by code 11000 only: FerretDB's errors carry no keyValue).
 */
export class IdentityLinks implements IdentityLinkStore {
  readonly #model: Model<IdentityRecord>;

  constructor(connection: Connection) {
    this.#model = identityModel(connection);
  }

  async link(link: NewLink, now = new Date()): Promise<LinkOutcome> {
    try {
      await this.#model.create({ ...link, authenticatedAt: link.authenticatedAt ?? now, linkedAt: now, lastLoginAt: null });
      return { kind: 'linked' };
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
    }
    const existing = await this.#model.findOne({ issuer: link.issuer, subject: link.subject }).lean<IdentityRecord>().exec();
    if (existing) return existing.accountId.equals(link.accountId) ? { kind: 'already-linked' } : { kind: 'identity-taken' };
    return { kind: 'account-taken' };
  }

  async unlinkAssociation(associationId: Types.ObjectId): Promise<void> {
    await this.#model.deleteMany({ associationId }).exec();
  }
}
