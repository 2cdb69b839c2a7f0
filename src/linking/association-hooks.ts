import type { Account, JoinableContact } from '../accounts/people-directory.ts';
import { maskEmail } from '../audit/mask-email.ts';
import type { UpstreamIdentity } from '../upstream/upstream-identity.ts';
import { displayText } from '../upstream/untrusted-text.ts';
import { hashLinkToken, newLinkToken } from './link-token.ts';
import type { PendingAssociation } from './pending-association.ts';
import type { AuditTrail, DisownLinks, LinkOutcome, Mailer } from './ports.ts';

/**
 * How long the notice's "This wasn't me" link works: the longest a session or grant of the new sign-in can live
 * (14 days), so the link can end every one of them; later, support is the way.
 */
export const DISOWN_LINK_TTL_MS = 14 * 24 * 3600 * 1000;

/** Where the request or confirmation came from, for the audit trail and the e-mail's language. */
export interface Origin {
  ip: string;
  /** Language of the page the person was on: e-mails are written in it. */
  locale: string;
  /** The browser's User-Agent, named (bounded) in the notice after linking so its owner can tell it was them. */
  userAgent?: string;
}

/**
 * What happens after each step of the association flow: the audit trail and the e-mails. The flow calls these
 * once a step has taken effect, never before, so an e-mail or an audit event always describes what is stored.
 */
export interface AssociationHooks {
  requested(event: {
    record: PendingAssociation;
    contacts: readonly JoinableContact[];
    /** How an existing member of one of the contacts signs in ('' unnamed), or null when none has one. */
    existingSignIn: string | null;
    token: string;
    origin: Origin;
  }): Promise<void>;
  superseded(event: { record: PendingAssociation; by: PendingAssociation }): Promise<void>;
  confirmed(event: {
    record: PendingAssociation;
    contacts: readonly JoinableContact[];
    outcome: LinkOutcome;
    origin: Origin;
  }): Promise<void>;
  cancelled(event: { record: PendingAssociation; origin: Origin }): Promise<void>;
  /** The owner of the registered address said the confirmed association wasn't them, and it was undone. */
  disowned(event: {
    record: PendingAssociation;
    /** The person the association had linked, whose sessions were ended. */
    personId: string;
    origin: Origin;
    supportRequestId: string;
    ended: { sessions: number; grants: number };
  }): Promise<void>;
  refused(event: { record: PendingAssociation; reason: string; origin: Pick<Origin, 'ip'> }): Promise<void>;
}

export interface AssociationHookSettings {
  audit: AuditTrail;
  mailer: Mailer;
  /** `{issuer}/link`: the token is appended as `?token=`, the only URL that ever carries it. */
  linkUrl: string;
  linkTtlMs: number;
  /** Where the notice's "This wasn't me" links are kept (as hashes), and `{issuer}/link/not-me` they point to. */
  disownLinks: DisownLinks;
  disownUrl: string;
  /** `{issuer}/me`: the person's own page, named in the notice after linking. */
  accountPageUrl?: string;
  support: string;
  upstreamName(upstreamId: string): string;
  /** The portal's display name, for the e-mails' "while signing in to …". */
  portalName(clientId: string | null): string | undefined;
  now(): Date;
}

function subjectOf(record: PendingAssociation) {
  return { upstreamId: record.upstreamId, subject: record.subject };
}

/** "Contoso Ltd (C-1001), Fabrikam (C-1002)": the accounts an address is registered on, as e-mails name them. */
export function accountsNamed(accounts: ReadonlyArray<Pick<Account, 'name' | 'customerNumber'>>): string {
  return accounts.map((a) => `${a.name} (${a.customerNumber})`).join(', ');
}

const ids = (contacts: readonly JoinableContact[]) => ({
  accountIds: contacts.map((c) => c.account.id).join(' '),
  contactIds: contacts.map((c) => c.contact.id).join(' '),
});

/** The audit events and e-mails of the association flow, through the audit trail and the outbox. */
export function associationHooks(settings: AssociationHookSettings): AssociationHooks {
  const { audit } = settings;
  return {
    async requested({ record, contacts, existingSignIn, token, origin }) {
      const messageId = await mailLink(settings, { record, contacts, existingSignIn, token, origin });
      await audit.record({
        type: 'association.requested',
        ...subjectOf(record),
        accountId: contacts[0]?.account.id ?? null,
        ip: origin.ip,
        reason: contacts.length === 0 ? 'no-account' : existingSignIn === null ? 'account-found' : 'contact-has-member',
        detail: {
          pendingId: record.id,
          enteredEmail: maskEmail(record.enteredEmail),
          clientId: record.clientId,
          messageId,
          ...ids(contacts),
        },
      });
    },

    async superseded({ record, by }) {
      await audit.record({
        type: 'association.superseded',
        ...subjectOf(record),
        detail: { pendingId: record.id, by: by.id },
      });
    },

    async confirmed({ record, contacts, outcome, origin }) {
      const joined = contacts.filter((c) => outcome.accountIds.includes(c.account.id));
      await mailLinkedNotice(settings, { record, joined, outcome, origin });
      await audit.record({
        type: 'association.confirmed',
        ...subjectOf(record),
        accountId: joined[0]?.account.id ?? null,
        ip: origin.ip,
        reason: outcome.kind,
        detail: { pendingId: record.id, personId: outcome.personId, ...ids(joined) },
      });
    },

    async cancelled({ record, origin }) {
      await audit.record({
        type: 'association.cancelled',
        ...subjectOf(record),
        ip: origin.ip,
        reason: 'cancelled-by-recipient',
        detail: {
          pendingId: record.id,
          contactIds: record.contactIds.join(' '),
        },
      });
    },

    async disowned({ record, origin, supportRequestId, ended }) {
      await audit.record({
        type: 'association.disowned',
        ...subjectOf(record),
        ip: origin.ip,
        reason: 'disowned-by-recipient',
        detail: {
          pendingId: record.id,
          contactIds: record.contactIds.join(' '),
          supportRequestId,
          sessionsEnded: ended.sessions,
          grantsRevoked: ended.grants,
        },
      });
    },

    async refused({ record, reason, origin }) {
      await audit.record({
        type: 'association.refused',
        ...subjectOf(record),
        ip: origin.ip,
        reason,
        detail: {
          pendingId: record.id,
          contactIds: record.contactIds.join(' '),
        },
      });
    },
  };
}

type Requested = Parameters<AssociationHooks['requested']>[0];
type Confirmed = Parameters<AssociationHooks['confirmed']>[0];

/** The e-mail with the association link, to the registered address (none when the address is on no account). */
async function mailLink(
  settings: AssociationHookSettings,
  { record, contacts, existingSignIn, token, origin }: Requested,
): Promise<string | null> {
  const address = contacts[0]?.contact.email;
  if (!address) return null;
  const link = new URL(settings.linkUrl);
  link.searchParams.set('token', token);
  return settings.mailer.enqueue({
    to: address,
    template: 'association-link',
    // The link is the credential: sealed in the outbox, erased once sent, and never sent after it expired.
    secret: { link: link.href },
    notAfter: record.expiresAt,
    data: {
      upstreamName: settings.upstreamName(record.upstreamId),
      portalName: settings.portalName(record.clientId) ?? null,
      signInName: record.signInName,
      accountName: accountsNamed(contacts.map((c) => c.account)),
      existingSignIn: existingSignIn || null,
      takenUnnamed: existingSignIn === '',
      expiresInMinutes: Math.round(settings.linkTtlMs / 60_000),
      support: settings.support,
      locale: origin.locale,
    },
  });
}

/**
 * Only the confirmation that wrote something sends the notice, so parallel confirmations send one; a sign-in added
 * to a person who already signs in with this address is always told to the address's owner, with a one-time
 * "This wasn't me" link that undoes the association and ends the sessions of the person.
 */
async function mailLinkedNotice(
  settings: AssociationHookSettings,
  {
    record,
    joined,
    outcome,
    origin,
  }: {
    record: Confirmed['record'];
    joined: readonly JoinableContact[];
    outcome: Confirmed['outcome'];
    origin: Confirmed['origin'];
  },
): Promise<void> {
  const address = joined[0]?.contact.email;
  if (outcome.kind === 'linked' && address && outcome.personId) {
    const token = newLinkToken();
    const now = settings.now();
    const expiresAt = new Date(now.getTime() + DISOWN_LINK_TTL_MS);
    await settings.disownLinks.create(
      { associationId: record.id, personId: outcome.personId, createdAt: now, expiresAt },
      hashLinkToken(token),
    );
    const notMe = new URL(settings.disownUrl);
    notMe.searchParams.set('token', token);
    await settings.mailer.enqueue({
      to: address,
      template: 'association-linked',
      secret: { notMeLink: notMe.href },
      notAfter: expiresAt,
      data: {
        upstreamName: settings.upstreamName(record.upstreamId),
        portalName: settings.portalName(record.clientId) ?? null,
        when: `${now.toISOString().slice(0, 16).replace('T', ' ')} UTC`,
        browser: displayText(origin.userAgent, 80) ?? '?',
        signInName: record.signInName,
        accountName: accountsNamed(joined.map((c) => c.account)),
        signInAdded: outcome.identityAdded,
        accountPageUrl: settings.accountPageUrl ?? null,
        support: settings.support,
        locale: origin.locale,
      },
    });
  }
}

/** How the e-mail names the sign-in that asked: its masked address, never a display name the person chose. */
export function signInNameOf(identity: Pick<UpstreamIdentity, 'email' | 'name'>): string {
  return identity.email ? maskEmail(identity.email) : (identity.name ?? '');
}
