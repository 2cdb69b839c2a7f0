import { normalizeEmail } from '../accounts/email.ts';
import type { UpstreamIdentity } from '../upstream/upstream-identity.ts';
import { signInNameOf, type Origin } from './association-hooks.ts';
import { hashLinkToken, newLinkToken } from './link-token.ts';
import type { LinkingContext } from './linking-context.ts';

export interface AssociationRequest {
  identity: UpstreamIdentity;
  enteredEmail: string;
  clientId: string | null;
  interactionUid: string | null;
  origin: Origin;
}

/**
 * "Associate your account": records a pending association for the contacts the entered address is registered as
 * (on one account or several) and, when there are any, queues one e-mail with the one-time link to that address (a
 * hook). The caller shows the same "Thank you" page either way, and this does the same work either way except for
 * one outbox insert: no transport is called while the person waits, so the reply's timing tells nothing about the
 * address, not even whether someone already signs in with it. The identity's older pending associations are
 * superseded: only the newest link works.
 */
export async function requestAssociation(context: LinkingContext, request: AssociationRequest): Promise<void> {
  const { identity } = request;
  const address = normalizeEmail(request.enteredEmail);
  await context.limits.consumeRequest({
    identity: `${identity.issuer}|${identity.subject}`,
    address,
    ip: request.origin.ip,
  });

  const contacts = await context.contacts.joinableContacts(address);
  const token = newLinkToken();
  const now = context.now();
  const older = await context.pending.pendingOf(identity.issuer, identity.subject);
  const record = await context.pending.create(
    {
      issuer: identity.issuer,
      subject: identity.subject,
      upstreamId: identity.upstreamId,
      signInName: signInNameOf(identity),
      enteredEmail: address,
      contactIds: contacts.map((c) => c.contact.id),
      expiresAt: new Date(now.getTime() + context.linkTtlMs),
      clientId: request.clientId,
      interactionUid: request.interactionUid,
    },
    hashLinkToken(token),
    now,
  );
  for (const previous of older) {
    if (await context.pending.transition(previous.id, 'pending', 'superseded', now)) {
      await context.hooks.superseded({ record: previous, by: record });
    }
  }
  // Who already signs in as one of these contacts: the e-mail tells the address's owner plainly.
  const member = contacts.find((c) => c.member)?.member;
  const existingSignIn = member ? ((await context.contacts.identitiesOf(member.personId))[0]?.signInName ?? '') : null;
  await context.hooks.requested({ record, contacts, existingSignIn, token, origin: request.origin });
}
