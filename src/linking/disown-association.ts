import type { Origin } from './association-hooks.ts';
import { accountsNamed } from './association-hooks.ts';
import { DisownLinkExpired, DisownLinkNotFound } from './linking-errors.ts';
import type { LinkingContext } from './linking-context.ts';
import type { PendingAssociation } from './pending-association.ts';
import type { DisownLink } from './ports.ts';

/** What the "This wasn't me" pages say: which sign-in, which accounts, which portal, and whether it is done. */
export interface DisownPage {
  upstreamName: string;
  signInName: string;
  accountName: string;
  clientName: string | undefined;
  homeUrl: string | undefined;
  /** When the association was confirmed. */
  confirmedAt: Date | null;
  /** The association is undone (now, or by an earlier use of the link). */
  disowned: boolean;
}

async function load(context: LinkingContext, token: string): Promise<{ link: DisownLink; record: PendingAssociation }> {
  const link = await context.disownLinks.findByToken(token);
  const record = link ? await context.pending.findById(link.associationId) : null;
  if (!link || !record || (record.status !== 'confirmed' && record.status !== 'disowned'))
    throw new DisownLinkNotFound(context.support);
  // A used link keeps showing what it did; an unused one stops working when the sessions it could end are gone.
  if (record.status === 'confirmed' && link.expiresAt <= context.now()) throw new DisownLinkExpired(context.support);
  return { link, record };
}

async function pageOf(context: LinkingContext, record: PendingAssociation, disowned: boolean): Promise<DisownPage> {
  const contacts = await context.contacts.contactsByIds(record.contactIds);
  return {
    upstreamName: context.upstreamName(record.upstreamId),
    signInName: record.signInName,
    accountName: accountsNamed(contacts.map((c) => c.account)),
    clientName: context.clientName(record.clientId),
    homeUrl: context.homeUrl(record.clientId),
    confirmedAt: record.confirmedAt,
    disowned,
  };
}

/** Opening the notice's link (GET) only reads and explains: mail scanners open links too. */
export async function openDisownLink(context: LinkingContext, token: string): Promise<DisownPage> {
  const { record } = await load(context, token);
  return pageOf(context, record, record.status === 'disowned');
}

/**
 * "This wasn't me", confirmed by the owner of the registered address the notice went to: the association's
 * memberships (and the sign-in, and the person, where it created them) are removed, every session and grant of
 * the person it made the sign-in part of ends (portals with back-channel logout are told at once; the broker cannot
 * tell which of a person's sessions the new sign-in opened, so a person who added it to themselves signs in again
 * too), and a support request is opened with the sign-in attached.
 *
 * The removals run on every attempt (each is idempotent), before the association moves to `disowned`, so a crash
 * in between is finished by the next click; that move happens once, and only its winner opens the support request
 * and writes the audit event, so a double submit opens one request.
 */
export async function disownAssociation(context: LinkingContext, token: string, origin: Origin): Promise<DisownPage> {
  const { link, record } = await load(context, token);
  if (record.status === 'disowned') return pageOf(context, record, true);
  await context.memberships.unlinkAssociation(record.id);
  const ended = await context.sessions.endAll(link.personId);
  if (await context.pending.transition(record.id, 'confirmed', 'disowned', context.now())) {
    const contacts = await context.contacts.contactsByIds(record.contactIds);
    const supportRequestId = await context.supportDesk.disowned({
      record,
      contacts,
      ip: origin.ip,
      locale: origin.locale,
    });
    await context.hooks.disowned({ record, personId: link.personId, origin, supportRequestId, ended });
  }
  return pageOf(context, record, true);
}
