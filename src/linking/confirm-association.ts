import type { UpstreamIdentity } from '../upstream/upstream-identity.ts';
import { assertConfirmable, refusalReason } from './association-flow.ts';
import type { Origin } from './association-hooks.ts';
import {
  AccountAlreadyLinked,
  ConfirmationExpired,
  IdentityMismatch,
  LinkNotFound,
  LinkSuperseded,
} from './linking-errors.ts';
import type { LinkingContext } from './linking-context.ts';
import type { PendingAssociation } from './pending-association.ts';

export interface ConfirmedAssociation {
  accountName: string;
  upstreamName: string;
  clientId: string | null;
  interactionUid: string | null;
}

/** The portal that asked for the association, as its link's pages name it. */
const portalOf = (context: LinkingContext, clientId: string | null) => ({
  name: context.clientName(clientId),
  homeUrl: context.homeUrl(clientId),
});

/**
 * Checks that an association's link can still be used, or records why not (audit) and throws its page. A newer
 * request of the same identity supersedes this one here too: two requests racing may both have been stored
 * pending, and only the newest link is ever honoured.
 */
async function assertUsable(context: LinkingContext, record: PendingAssociation, ip: string): Promise<void> {
  const portal = portalOf(context, record.clientId);
  const now = context.now();
  try {
    assertConfirmable(record, now, portal);
    const newest = await context.pending.newestOf(record.issuer, record.subject);
    if (newest && newest.id !== record.id) {
      if (await context.pending.transition(record.id, 'pending', 'superseded', now)) {
        await context.hooks.superseded({ record, by: newest });
      }
      throw new LinkSuperseded(portal);
    }
  } catch (error) {
    if (!(error instanceof LinkNotFound))
      await context.hooks.refused({ record, reason: refusalReason(error), origin: { ip } });
    throw error;
  }
}

async function findUsable(context: LinkingContext, token: string, ip: string): Promise<PendingAssociation> {
  const record = await context.pending.findByToken(token);
  if (!record) throw new LinkNotFound();
  await assertUsable(context, record, ip);
  return record;
}

/** Throws the page of the state a record has reached meanwhile (another request moved it first). */
async function assertStillUsable(context: LinkingContext, record: PendingAssociation): Promise<PendingAssociation> {
  const current = (await context.pending.findById(record.id)) ?? record;
  assertConfirmable(current, context.now(), portalOf(context, record.clientId));
  return current;
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
  await context.pending.countAttempt(found.id);
  return {
    reference: await context.references.create(found.id),
    upstreamId: found.upstreamId,
    clientId: found.clientId,
  };
}

/**
 * "This wasn't me": the link stops working at once. A confirmation that wrote its link but lost the race to this
 * cancel has that link removed, so a cancelled association never leaves a live link behind.
 */
export async function cancelAssociation(context: LinkingContext, token: string, origin: Origin): Promise<void> {
  const record = await findUsable(context, token, origin.ip);
  if (!(await context.pending.transition(record.id, 'pending', 'cancelled', context.now()))) {
    await assertStillUsable(context, record);
    throw new LinkNotFound();
  }
  await context.memberships.unlinkAssociation(record.id);
  await context.hooks.cancelled({ record, origin });
}

/**
 * Back from the forced re-authentication: only the identity that asked may confirm. The person, identity and
 * memberships are written first, then the association moves to confirmed; a crash in between leaves it pending with
 * its writes, and the next confirmation finds them there and completes. If a cancel (or a newer request) moved the association first,
 * the link this confirmation wrote is removed again and the person sees why. A different identity links nothing
 * and leaves the link usable.
 */
export async function completeConfirmation(
  context: LinkingContext,
  reference: string,
  identity: UpstreamIdentity,
  origin: Origin,
): Promise<ConfirmedAssociation> {
  const pendingId = await context.references.take(reference);
  const record = pendingId ? await context.pending.findById(pendingId) : null;
  if (!record) throw new ConfirmationExpired();
  await assertUsable(context, record, origin.ip);
  const upstreamName = context.upstreamName(record.upstreamId);
  if (
    identity.issuer !== record.issuer ||
    identity.subject !== record.subject ||
    identity.upstreamId !== record.upstreamId
  ) {
    await context.hooks.refused({ record, reason: 'identity-mismatch', origin });
    throw new IdentityMismatch(upstreamName);
  }
  const contacts = await context.contacts.contactsByIds(record.contactIds);
  if (contacts.length === 0) throw new LinkNotFound();

  const now = context.now();
  const outcome = await context.memberships.link(
    {
      upstreamId: record.upstreamId,
      issuer: record.issuer,
      subject: record.subject,
      signInName: record.signInName,
      contactIds: contacts.map((c) => c.contact.id),
      associationId: record.id,
      ...(identity.authTime !== undefined ? { authenticatedAt: new Date(identity.authTime * 1000) } : {}),
    },
    now,
  );
  if (outcome.kind === 'taken') {
    await context.hooks.refused({ record, reason: 'contact-taken', origin });
    throw new AccountAlreadyLinked(upstreamName, context.support);
  }
  const joined = contacts.filter((c) => outcome.accountIds.includes(c.account.id));
  const result = {
    accountName: joined.map((c) => c.account.name).join(', '),
    upstreamName,
    clientId: record.clientId,
    interactionUid: record.interactionUid,
  };
  if (await context.pending.transition(record.id, 'pending', 'confirmed', now)) {
    await context.hooks.confirmed({ record, contacts, outcome, origin });
    return result;
  }
  // Something moved the association first. A parallel confirmation of the same link: that one is done, and so
  // is this. A cancel or a newer request: what was written above must not outlive the association.
  const current = (await context.pending.findById(record.id)) ?? record;
  if (current.status === 'confirmed') return result;
  await context.memberships.unlinkAssociation(record.id);
  assertConfirmable(current, now, portalOf(context, record.clientId));
  throw new LinkNotFound();
}
