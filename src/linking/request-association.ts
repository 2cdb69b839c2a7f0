import { maskEmail } from '../audit/audit-log.ts';
import { normalizeEmail } from '../accounts/email.ts';
import type { UpstreamIdentity } from '../upstream/upstream-client.ts';
import { newLinkToken } from './link-token.ts';
import type { LinkingContext } from './linking-context.ts';

export interface AssociationRequest {
  identity: UpstreamIdentity;
  enteredEmail: string;
  clientId: string | null;
  interactionUid: string | null;
  ip: string;
  /** Language of the page the request came from: the e-mail is written in it. */
  locale: string;
}

/**
 * "Associate your account": records a pending association and, when the address is registered on an account,
 * queues the e-mail with the one-time link. The caller shows the same "Thank you" page either way, and this
 * function does the same work either way except for one outbox insert: no transport is called while the person
 * waits, so the reply's timing does not reveal whether the address is known.
 */
export async function requestAssociation(context: LinkingContext, request: AssociationRequest): Promise<void> {
  const { identity } = request;
  const address = normalizeEmail(request.enteredEmail);
  await context.limits.consumeRequest({ identity: `${identity.issuer}|${identity.subject}`, address, ip: request.ip });

  const account = await context.accounts.findAccountByEmail(address);
  const usable = account?.status === 'active' ? account : null;
  const token = newLinkToken();
  const now = new Date();
  const signInName = identity.email ?? identity.name ?? identity.subject;
  const pending = await context.pending.create(
    {
      issuer: identity.issuer,
      subject: identity.subject,
      upstreamId: identity.upstreamId,
      signInName,
      enteredEmail: address,
      accountId: usable?._id ?? null,
      expiresAt: new Date(now.getTime() + context.linkTtlMs),
      clientId: request.clientId,
      interactionUid: request.interactionUid,
    },
    token,
    now,
  );

  let messageId: string | null = null;
  if (usable) {
    const link = new URL(context.linkUrl);
    link.searchParams.set('token', token);
    messageId = await context.outbox.enqueue({
      to: usable.email,
      template: 'association-link',
      data: {
        link: link.href,
      // The link is the credential: sealed in the outbox, erased once sent, and never sent after it expired.
      secret: { link: link.href },
      notAfter: pending.expiresAt,
        upstreamName: context.upstreamName(identity.upstreamId),
        signInName,
        accountName: usable.name,
        expiresInMinutes: Math.round(context.linkTtlMs / 60_000),
        support: context.support,
        locale: request.locale,
      },
    });
  }
  await context.audit.record({
    type: 'association.requested',
    upstreamId: identity.upstreamId,
    subject: identity.subject,
    accountId: usable?._id ?? null,
    ip: request.ip,
    reason: usable ? 'account-found' : 'no-account',
    detail: { pendingId: pending._id.toString(), enteredEmail: maskEmail(address), clientId: request.clientId, messageId },
  });
}
