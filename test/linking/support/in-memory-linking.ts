import { canTransition, type StoredState } from '../../../src/linking/association-flow.ts';
import type { AssociationHooks } from '../../../src/linking/association-hooks.ts';
import { hashLinkToken } from '../../../src/linking/link-token.ts';
import type { LinkingContext } from '../../../src/linking/linking-context.ts';
import type { PendingAssociation } from '../../../src/linking/pending-association.ts';
import type { DisownLink, DisownLinks, PendingAssociations } from '../../../src/linking/ports.ts';
import { MemoryPeople, nextId } from '../../accounts/support/memory-people.ts';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** The association flow's ports in memory: the flow's rules tested without Redis, MongoDB or HTTP. */
export class MemoryPendingAssociations implements PendingAssociations {
  readonly records = new Map<string, Mutable<PendingAssociation>>();
  /** Runs inside `transition` before it applies: a test interleaves another request there. */
  beforeTransition: (id: string, to: StoredState) => Promise<void> = async () => undefined;

  async create(input: Parameters<PendingAssociations['create']>[0], tokenHash: string, now: Date) {
    const record: Mutable<PendingAssociation> = {
      ...input,
      id: nextId(),
      tokenHash,
      status: 'pending',
      createdAt: now,
      confirmedAt: null,
      attempts: 0,
    };
    this.records.set(record.id, record);
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
    return [...this.records.values()]
      .filter((r) => r.issuer === issuer && r.subject === subject && r.status === 'pending')
      .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || a.id.localeCompare(b.id))
      .map((r) => ({ ...r }));
  }
  async newestOf(issuer: string, subject: string) {
    const mine = [...this.records.values()].filter((r) => r.issuer === issuer && r.subject === subject);
    const newest = mine.sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || b.id.localeCompare(a.id))[0];
    return newest ? { ...newest } : null;
  }
  async transition(id: string, from: StoredState, to: StoredState, at: Date) {
    if (!canTransition(from, to)) throw new Error(`cannot move from ${from} to ${to}`);
    await this.beforeTransition(id, to);
    const record = this.records.get(id);
    if (!record || record.status !== from) return false;
    record.status = to;
    if (to === 'confirmed') record.confirmedAt = at;
    return true;
  }
  #newestFirst(records: PendingAssociation[], limit: number) {
    return records
      .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || b.id.localeCompare(a.id))
      .slice(0, limit)
      .map((r) => ({ ...r }));
  }
  async listForContacts(contactIds: readonly string[], limit: number) {
    const named = [...this.records.values()].filter((r) => r.contactIds.some((id) => contactIds.includes(id)));
    return this.#newestFirst(named, limit);
  }
  async listForSignIn({ upstreamId, subject }: { upstreamId: string; subject: string }, limit: number) {
    const asked = [...this.records.values()].filter((r) => r.upstreamId === upstreamId && r.subject === subject);
    return this.#newestFirst(asked, limit);
  }
  async countAttempt(id: string) {
    const record = this.records.get(id);
    if (record) record.attempts += 1;
  }
}

/** The "This wasn't me" links in memory: kept under the token's hash only, as the MongoDB store keeps them. */
export class MemoryDisownLinks implements DisownLinks {
  readonly #links = new Map<string, DisownLink>();
  async create(link: DisownLink, tokenHash: string) {
    if (this.#links.has(tokenHash)) throw new Error('a link with this token exists already');
    this.#links.set(tokenHash, { ...link });
  }
  async findByToken(token: string) {
    const found = this.#links.get(hashLinkToken(token));
    return found ? { ...found } : null;
  }
}

export type HookCall = { hook: keyof AssociationHooks; pendingId: string; detail?: string };

export interface MemoryLinking {
  context: LinkingContext;
  pending: MemoryPendingAssociations;
  people: MemoryPeople;
  hookCalls: HookCall[];
  /** The tokens the "e-mails" carried, newest last. */
  mailedTokens: string[];
  clock: { now: Date };
}

export function memoryLinking(): MemoryLinking {
  const pending = new MemoryPendingAssociations();
  const people = new MemoryPeople();
  const hookCalls: HookCall[] = [];
  const mailedTokens: string[] = [];
  const references = new Map<string, string>();
  const clock = { now: new Date('2026-11-29T12:00:00Z') };
  const call = (hook: keyof AssociationHooks, record: PendingAssociation, detail?: string) =>
    void hookCalls.push({ hook, pendingId: record.id, ...(detail ? { detail } : {}) });
  const context: LinkingContext = {
    contacts: people,
    pending,
    memberships: people,
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
      async requested({ record, contacts, token }) {
        if (contacts.length > 0) mailedTokens.push(token);
        call('requested', record, contacts.length > 0 ? 'mailed' : 'not-mailed');
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
      async disowned({ record }) {
        call('disowned', record);
      },
    },
    disownLinks: new MemoryDisownLinks(),
    sessions: { endAll: async () => ({ sessions: 0, grants: 0, portals: [] }) },
    supportDesk: { disowned: async () => 'support-request-1' },
    linkTtlMs: 3_600_000,
    support: 'help@example.com',
    upstreamName: (id) => (id === 'demo' ? 'Demo ID' : id),
    clientName: () => 'CustomerSource',
    homeUrl: () => 'https://customersource.example/',
    now: () => clock.now,
  };
  return { context, pending, people, hookCalls, mailedTokens, clock };
}
