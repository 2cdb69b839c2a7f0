import type { AccountRecord } from '../accounts/account-model.ts';
import { maskEmail } from '../audit/audit-log.ts';
import type { UpstreamIdentity } from '../upstream/upstream-client.ts';
import type { PendingAssociationRecord } from './pending-association-model.ts';
import type { AuditTrail, LinkOutcome, Mailer } from './ports.ts';

/** Where the request or confirmation came from, for the audit trail and the e-mail's language. */
export interface Origin {
  ip: string;
  /** Language of the page the person was on: e-mails are written in it. */
  locale: string;
}

/**
 * What happens after each step of the association flow: the audit trail and the e-mails. The flow calls these
 * once a step has taken effect, never before, so an e-mail or an audit event always describes what is stored.
 */
export interface AssociationHooks {
  requested(event: { record: PendingAssociationRecord; account: AccountRecord | null; token: string; origin: Origin }): Promise<void>;
  superseded(event: { record: PendingAssociationRecord; by: PendingAssociationRecord }): Promise<void>;
  confirmed(event: { record: PendingAssociationRecord; account: AccountRecord; outcome: LinkOutcome; origin: Origin }): Promise<void>;
  cancelled(event: { record: PendingAssociationRecord; origin: Origin }): Promise<void>;
  refused(event: { record: PendingAssociationRecord; reason: string; origin: Pick<Origin, 'ip'> }): Promise<void>;
}

export interface AssociationHookSettings {
  audit: AuditTrail;
  mailer: Mailer;
  /** `{issuer}/link`: the token is appended as `?token=`, the only URL that ever carries it. */
  linkUrl: string;
  linkTtlMs: number;
  support: string;
  upstreamName(upstreamId: string): string;
}

function subjectOf(record: PendingAssociationRecord) {
  return { upstreamId: record.upstreamId, subject: record.subject, accountId: record.accountId };
}

/** The audit events and e-mails of the association flow, through the audit trail and the outbox. */
export function associationHooks(settings: AssociationHookSettings): AssociationHooks {
  const { audit, mailer } = settings;
  return {
    async requested({ record, account, token, origin }) {
      let messageId: string | null = null;
      if (account) {
        const link = new URL(settings.linkUrl);
        link.searchParams.set('token', token);
        messageId = await mailer.enqueue({
          to: account.email,
          template: 'association-link',
          // The link is the credential: sealed in the outbox, erased once sent, and never sent after it expired.
          secret: { link: link.href },
          notAfter: record.expiresAt,
          data: {
            upstreamName: settings.upstreamName(record.upstreamId),
            signInName: record.signInName,
            accountName: account.name,
            expiresInMinutes: Math.round(settings.linkTtlMs / 60_000),
            support: settings.support,
            locale: origin.locale,
          },
        });
      }
      await audit.record({
        type: 'association.requested',
        ...subjectOf(record),
        ip: origin.ip,
        reason: account ? 'account-found' : 'no-account',
        detail: { pendingId: record._id.toString(), enteredEmail: maskEmail(record.enteredEmail), clientId: record.clientId, messageId },
      });
    },

    async superseded({ record, by }) {
      await audit.record({
        type: 'association.superseded',
        ...subjectOf(record),
        detail: { pendingId: record._id.toString(), by: by._id.toString() },
      });
    },

    async confirmed({ record, account, outcome, origin }) {
      if (outcome.kind === 'linked') {
        // Only the confirmation that wrote the link sends the notice, so parallel confirmations send one.
        await mailer.enqueue({
          to: account.email,
          template: 'association-linked',
          data: {
            upstreamName: settings.upstreamName(record.upstreamId),
            signInName: record.signInName,
            accountName: account.name,
            customerNumber: account.customerNumber,
            support: settings.support,
            locale: origin.locale,
          },
        });
      }
      await audit.record({
        type: 'association.confirmed',
        ...subjectOf(record),
        ip: origin.ip,
        reason: outcome.kind,
        detail: { pendingId: record._id.toString() },
      });
    },

    async cancelled({ record, origin }) {
      await audit.record({
        type: 'association.cancelled',
        ...subjectOf(record),
        ip: origin.ip,
        reason: 'cancelled-by-recipient',
        detail: { pendingId: record._id.toString() },
      });
    },

    async refused({ record, reason, origin }) {
      await audit.record({
        type: 'association.refused',
        ...subjectOf(record),
        ip: origin.ip,
        reason,
        detail: { pendingId: record._id.toString() },
      });
    },
  };
}

/** How the e-mail names the sign-in that asked: its masked address, never a display name the person chose. */
export function signInNameOf(identity: Pick<UpstreamIdentity, 'email' | 'name'>): string {
  return identity.email ? maskEmail(identity.email) : (identity.name ?? '');
}
