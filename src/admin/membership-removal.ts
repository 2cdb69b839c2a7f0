import { idOf } from '../accounts/people-directory.ts';
import { identityRemovedData, membershipRemovedData } from '../events/people-events.ts';
import { recordAdminChange } from './admin-audit.ts';
import type { AdminContext } from './admin-context.ts';
import { AdminNotFound } from './admin-errors.ts';
import type { AdminActor } from './admin-roles.ts';

// A lost or stolen sign-in, or a person who left: the next sign-in finds no membership (or no identity) and meets
// the association page again. The person record stays: their `sub` comes back if they are linked again through a
// remaining sign-in. Portals' sessions end on their own (tokens are short; refresh re-reads memberships).

/** Ends a person's membership of an account (the contact is free for someone else). */
export async function removeMembership(context: AdminContext, actor: AdminActor, membershipId: string) {
  const id = idOf(membershipId);
  const membership = id ? await context.directory.removeMembership(id) : null;
  if (!membership) throw new AdminNotFound('membership');
  await recordAdminChange(context, actor, {
    type: 'admin.membership-removed',
    accountId: membership.accountId,
    personId: membership.personId,
    detail: {
      membershipId: membership.id,
      personId: membership.personId,
      contactId: membership.contactId,
    },
  });
  await context.events.publish(
    'membership.removed',
    membershipRemovedData(membership, { type: 'support', id: actor.id }),
  );
}

/** Removes one upstream sign-in of a person: whoever signs in with it is a stranger again. */
export async function removeSignIn(context: AdminContext, actor: AdminActor, identityId: string) {
  const id = idOf(identityId);
  const identity = id ? await context.directory.removeIdentity(id) : null;
  if (!identity) throw new AdminNotFound('sign-in');
  await recordAdminChange(context, actor, {
    type: 'admin.identity-removed',
    personId: identity.personId,
    // The accounts the person acts for: each account's trail shows that one of its people lost a sign-in.
    accountIds: (await context.directory.membershipsOf(identity.personId)).map((m) => m.account.id),
    upstreamId: identity.upstreamId,
    subject: identity.subject,
    detail: { identityId: identity.id, personId: identity.personId },
  });
  await context.events.publish('identity.removed', identityRemovedData(identity, { type: 'support', id: actor.id }));
}
