import type { UpstreamIdentity } from '../upstream/upstream-client.ts';
import {
  AccountAlreadyLinked,
  ConfirmationExpired,
  IdentityMismatch,
  LinkCancelled,
  LinkExpired,
  LinkNotFound,
  LinkSuperseded,
  LinkUsed,
} from './linking-errors.ts';
import type { LinkingContext } from './linking-context.ts';
import { stateOf } from './pending-associations.ts';
import type { PendingAssociationRecord } from './pending-association-model.ts';

export interface ConfirmedAssociation {
  accountName: string;
  upstreamName: string;
  clientId: string | null;
  interactionUid: string | null;
}

async function refuse(context: LinkingContext, record: PendingAssociationRecord, reason: string, ip: string, error: Error): Promise<never> {
  await context.audit.record({
    type: 'association.refused',
    upstreamId: record.upstreamId,
    subject: record.subject,
    accountId: record.accountId,
    ip,
    reason,
    detail: { pendingId: record._id.toString() },
  });
  throw error;
}

/** Throws the page-specific problem of a link that cannot be confirmed (any more). */
async function assertUsable(context: LinkingContext, record: PendingAssociationRecord, ip: string): Promise<void> {
  const startAgain = context.homeUrl(record.clientId);
  const state = stateOf(record);
  if (state === 'confirmed') return refuse(context, record, 'used', ip, new LinkUsed(startAgain));
  if (state === 'expired') return refuse(context, record, 'expired', ip, new LinkExpired(startAgain));
  if (state === 'cancelled') return refuse(context, record, 'cancelled', ip, new LinkCancelled(startAgain));
  if (state === 'superseded' || (await context.pending.newerExists(record))) {
    return refuse(context, record, 'superseded', ip, new LinkSuperseded(startAgain));
  }
  // No account behind the address: no e-mail was sent, so nobody should hold this token.
  if (!record.accountId) throw new LinkNotFound();
}

async function findUsable(context: LinkingContext, token: string, ip: string): Promise<PendingAssociationRecord> {
  const record = await context.pending.findByToken(token);
  if (!record) throw new LinkNotFound();
  await assertUsable(context, record, ip);
  return record;
}

/** Opening the link (GET) only reads: mail scanners open links too. */
export async function openLink(
  context: LinkingContext,
  token: string,
  ip: string,
): Promise<{ upstreamName: string; clientName: string | undefined }> {
  const record = await findUsable(context, token, ip);
  return { upstreamName: context.upstreamName(record.upstreamId), clientName: context.clientName(record.clientId) };
}

/**
 * The confirm button: counts the attempt and exchanges the token for a short-lived reference that the upstream
 * re-authentication carries instead of the token.
 */
export async function startConfirmation(
  context: LinkingContext,
  token: string,
  ip: string,
): Promise<{ reference: string; upstreamId: string; clientId: string | null }> {
  const found = await context.pending.findByToken(token);
  if (!found) throw new LinkNotFound();
  await context.limits.consumeConfirmation(found.tokenHash);
  await assertUsable(context, found, ip);
  await context.pending.countAttempt(found._id);
  return { reference: await context.references.create(found._id.toString()), upstreamId: found.upstreamId, clientId: found.clientId };
}

/** "This wasn't me": the link stops working at once. */
export async function cancelAssociation(context: LinkingContext, token: string, ip: string): Promise<void> {
  const record = await findUsable(context, token, ip);
  await context.pending.markCancelled(record._id);
  await context.audit.record({
    type: 'association.refused',
    upstreamId: record.upstreamId,
    subject: record.subject,
    accountId: record.accountId,
    ip,
    reason: 'cancelled-by-recipient',
  });
}

/**
 * Back from the forced re-authentication: only the identity that asked may confirm. The identity link is written
 * first, then the record is marked confirmed; a crash in between leaves a pending record whose next confirmation
 * finds the link already there and completes. A different identity links nothing and leaves the link usable.
 */
export async function completeConfirmation(
  context: LinkingContext,
  reference: string,
  identity: UpstreamIdentity,
  ip: string,
  /** Language of the confirming page, used for the notice e-mail. */
  locale: string,
): Promise<ConfirmedAssociation> {
  const pendingId = await context.references.take(reference);
  const record = pendingId ? await context.pending.findById(pendingId) : null;
  if (!record) throw new ConfirmationExpired();
  await assertUsable(context, record, ip);
  const upstreamName = context.upstreamName(record.upstreamId);
  if (identity.issuer !== record.issuer || identity.subject !== record.subject || identity.upstreamId !== record.upstreamId) {
    return refuse(context, record, 'identity-mismatch', ip, new IdentityMismatch(upstreamName));
  }
  const account = record.accountId ? await context.accounts.findAccountById(record.accountId.toString()) : null;
  if (!account || account.status !== 'active') throw new LinkNotFound();

  const outcome = await context.links.link({
    accountId: account._id,
    upstreamId: record.upstreamId,
    issuer: record.issuer,
    subject: record.subject,
    ...(identity.authTime !== undefined ? { authenticatedAt: new Date(identity.authTime * 1000) } : {}),
  });
  if (outcome.kind === 'identity-taken' || outcome.kind === 'account-taken') {
    return refuse(context, record, outcome.kind, ip, new AccountAlreadyLinked(upstreamName, context.support));
  }
  await context.pending.markConfirmed(record._id);
  if (outcome.kind === 'linked') {
    // Only the confirmation that wrote the link sends the notice, so parallel confirmations send one.
    await context.outbox.enqueue({
      to: account.email,
      template: 'association-linked',
      data: {
        upstreamName,
        signInName: record.signInName,
        accountName: account.name,
        customerNumber: account.customerNumber,
        support: context.support,
        locale,
      },
    });
  }
  await context.audit.record({
    type: 'association.confirmed',
    upstreamId: record.upstreamId,
    subject: record.subject,
    accountId: account._id,
    ip,
    reason: outcome.kind,
    detail: { pendingId: record._id.toString() },
  });
  return { accountName: account.name, upstreamName, clientId: record.clientId, interactionUid: record.interactionUid };
}
