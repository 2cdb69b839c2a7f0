import type { Identity, Membership } from '../accounts/people.ts';
import type { AuditEventType } from '../audit/audit-store.ts';
import { identityRemovedData, membershipRemovedData } from '../events/people-events.ts';
import type { Origin } from '../linking/association-hooks.ts';
import { signInNameOf } from '../linking/association-hooks.ts';
import { linkAtOnce } from '../linking/link-at-once.ts';
import { recordSignIn } from '../sign-in/resolve-sign-in.ts';
import type { UpstreamIdentity } from '../upstream/upstream-identity.ts';
import type { AccountPageContext } from './account-page-context.ts';
import {
  LastMember,
  LastSignIn,
  NoAccountToLink,
  NotYours,
  SignInOfSomeoneElse,
  WrongSignIn,
} from './account-page-problems.ts';

// What a person changes on their own page. Each change is checked against what the person has now (an id from a
// form is untrusted: another person's, or gone since the page was shown, is "not yours" and changes nothing),
// limited per person, audited with the person as actor and published as the event the customer system knows.
// Changes go through the people directory, so the next sign-in in every process sees them at once.

/** Who is changing: the page session's person, the sign-in the session stands on, and where they are. */
export interface PagePerson {
  personId: string;
  identityId: string;
  origin: Origin;
}

const personActor = (personId: string) => ({ type: 'person' as const, id: personId });

async function audit(
  context: AccountPageContext,
  who: PagePerson,
  type: AuditEventType,
  entry: { accountId?: string | null; upstreamId?: string; subject?: string; detail?: Record<string, string> } = {},
): Promise<void> {
  await context.audit.record({
    type,
    actor: who.personId,
    personId: who.personId,
    accountId: entry.accountId ?? null,
    ip: who.origin.ip,
    ...(entry.upstreamId ? { upstreamId: entry.upstreamId } : {}),
    ...(entry.subject ? { subject: entry.subject } : {}),
    ...(entry.detail ? { detail: entry.detail } : {}),
  });
}

/** What leaving would mean, for the confirmation step; "not yours" for another person's membership. */
export async function leavingPreview(
  context: AccountPageContext,
  personId: string,
  membershipId: string,
): Promise<{ membership: Membership; lastMember: boolean }> {
  const membership = (await context.directory.membershipsOf(personId)).find((m) => m.membership.id === membershipId);
  if (!membership) throw new NotYours();
  const people = await context.directory.accountWithPeople(membership.account.id);
  const others = (people?.memberships ?? []).filter((m) => m.personId !== personId);
  return { membership, lastMember: others.length === 0 };
}

/**
 * Leaves an account: the membership ends (the contact stays, free to be associated again through its registered
 * address). Never the account's last member: nobody would be left who signs in for it, and support would have to
 * register someone again; the page says so and offers support instead.
 */
export async function leaveAccount(context: AccountPageContext, who: PagePerson, membershipId: string) {
  const { membership, lastMember } = await leavingPreview(context, who.personId, membershipId);
  if (lastMember) throw new LastMember();
  await context.limits.consumeChange(who.personId);
  const removed = await context.directory.removeMembership(membership.membership.id);
  // Removed meanwhile (a second tab, support): what the person asked for is done.
  if (!removed) return membership;
  await audit(context, who, 'person.membership-left', {
    accountId: removed.accountId,
    detail: { membershipId: removed.id, contactId: removed.contactId },
  });
  await context.events.publish('membership.removed', membershipRemovedData(removed, personActor(who.personId)));
  return membership;
}

/** The sign-in to remove and the ones kept (one of which must be proved again); "not yours", or the last one. */
export async function removalPreview(
  context: AccountPageContext,
  personId: string,
  identityId: string,
): Promise<{ removing: Identity; kept: Identity[] }> {
  const identities = await context.directory.identitiesOf(personId);
  const removing = identities.find((identity) => identity.id === identityId);
  if (!removing) throw new NotYours();
  const kept = identities.filter((identity) => identity.id !== identityId);
  if (kept.length === 0) throw new LastSignIn();
  return { removing, kept };
}

const sameSignIn = (a: { issuer: string; subject: string }, b: { issuer: string; subject: string }) =>
  a.issuer === b.issuer && a.subject === b.subject;

/**
 * Removes a sign-in once the person proved a kept one afresh (`proved`, from an upstream sign-in asked with
 * max_age=0): whoever holds the removed one is a stranger again. When the page session stood on the removed sign-in,
 * it goes on with the one just proved.
 */
export async function removeSignIn(
  context: AccountPageContext,
  who: PagePerson,
  step: { identityId: string; keptIdentityId: string },
  proved: UpstreamIdentity,
): Promise<{ removed: Identity; standOn: string }> {
  const { removing, kept } = await removalPreview(context, who.personId, step.identityId);
  const keeper = kept.find((identity) => identity.id === step.keptIdentityId);
  if (!keeper) throw new NotYours();
  if (!sameSignIn(keeper, proved)) throw new WrongSignIn();
  await context.limits.consumeChange(who.personId);
  const removed = await context.directory.removeIdentity(removing.id);
  const standOn = who.identityId === removing.id ? keeper.id : who.identityId;
  if (!removed) return { removed: removing, standOn };
  await audit(context, who, 'person.identity-removed', {
    upstreamId: removed.upstreamId,
    subject: removed.subject,
    detail: { identityId: removed.id, provedWith: keeper.id },
  });
  await context.events.publish('identity.removed', identityRemovedData(removed, personActor(who.personId)));
  return { removed, standOn };
}

/**
 * Adds the sign-in the person just proved at another upstream: it is linked at once to the contacts they act as
 * (they proved a linked sign-in to open the page, and proved this one now), through the association flow, so the
 * registered addresses get the notice with "This wasn't me" and the customer system `association.confirmed`.
 */
export async function addSignIn(
  context: AccountPageContext,
  who: PagePerson,
  proved: UpstreamIdentity,
): Promise<'added' | 'already-yours'> {
  const known = await context.directory.findIdentity(proved.issuer, proved.subject);
  if (known?.personId === who.personId) return 'already-yours';
  if (known) throw new SignInOfSomeoneElse();
  const memberships = await context.directory.membershipsOf(who.personId);
  if (memberships.length === 0) throw new NoAccountToLink();
  await context.limits.consumeChange(who.personId);
  const linked = await linkAtOnce(context.linking, {
    upstreamId: proved.upstreamId,
    issuer: proved.issuer,
    subject: proved.subject,
    signInName: signInNameOf(proved),
    contactIds: memberships.map((m) => m.contact.id),
    clientId: null,
    origin: who.origin,
  });
  if (linked.kind === 'taken' || linked.kind === 'no-contact') throw new NoAccountToLink();
  if (linked.kind === 'cancelled') throw new NotYours();
  // The page lists what the provider reported for it, as for any sign-in.
  const added = await context.directory.findIdentity(proved.issuer, proved.subject);
  if (added) await recordSignIn(context.directory, added, proved, { clientId: null, at: context.now() });
  await audit(context, who, 'person.identity-added', {
    accountId: linked.contacts[0].account.id,
    upstreamId: proved.upstreamId,
    subject: proved.subject,
    detail: { pendingId: linked.record.id },
  });
  return linked.outcome.identityAdded || linked.outcome.kind === 'linked' ? 'added' : 'already-yours';
}

/**
 * Ends every session of the person: the broker's with every portal (back-channel logout sent, grants and tokens
 * revoked) and every page session, in every browser. Tells which portal sessions ended, for front-channel logout.
 */
export async function signOutEverywhere(
  context: AccountPageContext,
  who: PagePerson,
): Promise<Array<{ clientId: string; sid: string }>> {
  // Not limited: it protects the person, and once done there is nothing left for a repeat to end.
  const ended = await context.linking.sessions.endAll(who.personId);
  await context.sessions.endAllOf(who.personId, context.now());
  await audit(context, who, 'person.signed-out-everywhere', {
    detail: { sessionsEnded: String(ended.sessions), grantsRevoked: String(ended.grants) },
  });
  await context.events.publish('person.sessions-ended', {
    personId: who.personId,
    reason: 'signed-out-everywhere',
    associationId: null,
    actor: personActor(who.personId),
  });
  return ended.portals;
}
