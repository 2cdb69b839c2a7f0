import { Types } from 'mongoose';
import type { AccountRecord } from '../../../src/accounts/account-model.ts';
import { canTransition, type StoredState } from '../../../src/linking/association-flow.ts';
import type { AssociationHooks } from '../../../src/linking/association-hooks.ts';
import { hashLinkToken } from '../../../src/linking/link-token.ts';
import type { LinkingContext } from '../../../src/linking/linking-context.ts';
import type { PendingAssociationRecord } from '../../../src/linking/pending-association-model.ts';
import type { IdentityLinkStore, LinkOutcome, NewLink, PendingAssociations } from '../../../src/linking/ports.ts';

/** The association flow's ports in memory: the flow's rules tested without Redis, MongoDB or HTTP. */
export class MemoryPendingAssociations implements PendingAssociations {
  readonly records = new Map<string, PendingAssociationRecord>();
  /** Runs inside `transition` before it applies: a test interleaves another request there. */
  beforeTransition: (id: Types.ObjectId, to: StoredState) => Promise<void> = async () => undefined;

  async create(input: Parameters<PendingAssociations['create']>[0], tokenHash: string, now: Date) {
    const record: PendingAssociationRecord = { ...input, _id: new Types.ObjectId(), tokenHash, status: 'pending', createdAt: now, confirmedAt: null, attempts: 0 };
    this.records.set(record._id.toHexString(), record);
    return { ...record };
  }
  async findByToken(token: string) {
    const found = [...this.records.values()].find((r) => r.tokenHash === hashLinkToken(token));
    return found ? { ...found } : null;
  }
  async findById(id: string) {
    const found = this.records.get(id);
    return found ? { ...found } : null;
  }
  async pendingOf(issuer: string, subject: string) {
    return [...this.records.values()].filter((r) => r.issuer === issuer && r.subject === subject && r.status === 'pending').map((r) => ({ ...r }));
  }
  async newestOf(issuer: string, subject: string) {
    const mine = [...this.records.values()].filter((r) => r.issuer === issuer && r.subject === subject);
    const newest = mine.sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || b._id.toHexString().localeCompare(a._id.toHexString()))[0];
    return newest ? { ...newest } : null;
  }
  async transition(id: Types.ObjectId, from: StoredState, to: StoredState, at: Date) {
    if (!canTransition(from, to)) throw new Error(`cannot move from ${from} to ${to}`);
    await this.beforeTransition(id, to);
    const record = this.records.get(id.toHexString());
    if (!record || record.status !== from) return false;
    record.status = to;
    if (to === 'confirmed') record.confirmedAt = at;
    return true;
  }
  async countAttempt(id: Types.ObjectId) {
    const record = this.records.get(id.toHexString());
    if (record) record.attempts += 1;
  }
}

export class MemoryIdentityLinks implements IdentityLinkStore {
  readonly links: NewLink[] = [];
  /** Runs before a link is written: a test interleaves another request there. */
  beforeLink: () => Promise<void> = async () => undefined;
  async link(link: NewLink): Promise<LinkOutcome> {
    await this.beforeLink();
    const same = this.links.find((l) => l.issuer === link.issuer && l.subject === link.subject);
    if (same) return same.accountId.equals(link.accountId) ? { kind: 'already-linked' } : { kind: 'identity-taken' };
    if (this.links.some((l) => l.accountId.equals(link.accountId) && l.upstreamId === link.upstreamId)) return { kind: 'account-taken' };
    this.links.push(link);
    return { kind: 'linked' };
  }
  async unlinkAssociation(associationId: Types.ObjectId) {
    for (let i = this.links.length - 1; i >= 0; i -= 1) if (this.links[i]?.associationId.equals(associationId)) this.links.splice(i, 1);
  }
}

export type HookCall = { hook: keyof AssociationHooks; pendingId: string; detail?: string };

export interface MemoryLinking {
  context: LinkingContext;
  pending: MemoryPendingAssociations;
  links: MemoryIdentityLinks;
  accounts: AccountRecord[];
  hookCalls: HookCall[];
  /** The tokens the "e-mails" carried, newest last. */
  mailedTokens: string[];
  clock: { now: Date };
}

export function memoryLinking(): MemoryLinking {
  const pending = new MemoryPendingAssociations();
  const links = new MemoryIdentityLinks();
  const accounts: AccountRecord[] = [];
  const hookCalls: HookCall[] = [];
  const mailedTokens: string[] = [];
  const references = new Map<string, string>();
  const clock = { now: new Date('2026-11-29T12:00:00Z') };
  const call = (hook: keyof AssociationHooks, record: PendingAssociationRecord, detail?: string) =>
    void hookCalls.push({ hook, pendingId: record._id.toHexString(), ...(detail ? { detail } : {}) });
  const context: LinkingContext = {
    accounts: {
      async findAccountByEmail(email) {
        return accounts.find((a) => a.email === email) ?? null;
      },
      async findAccountById(id) {
        return accounts.find((a) => a._id.toHexString() === id) ?? null;
      },
    },
    pending,
    links,
    limits: { consumeRequest: async () => undefined, consumeConfirmation: async () => undefined },
    references: {
      async create(pendingId) {
        const reference = `ref-${references.size}`;
        references.set(reference, pendingId);
        return reference;
      },
      async take(reference) {
        const id = references.get(reference);
        references.delete(reference);
        return id;
      },
    },
    hooks: {
      async requested({ record, account, token }) {
        if (account) mailedTokens.push(token);
        call('requested', record, account ? 'mailed' : 'not-mailed');
      },
      async superseded({ record }) {
        call('superseded', record);
      },
      async confirmed({ record, outcome }) {
        call('confirmed', record, outcome.kind);
      },
      async cancelled({ record }) {
        call('cancelled', record);
      },
      async refused({ record, reason }) {
        call('refused', record, reason);
      },
    },
    linkTtlMs: 3_600_000,
    support: 'help@example.com',
    upstreamName: (id) => (id === 'demo' ? 'Demo ID' : id),
    clientName: () => 'CustomerSource',
    homeUrl: () => 'https://customersource.example/',
    now: () => clock.now,
  };
  return { context, pending, links, accounts, hookCalls, mailedTokens, clock };
}
