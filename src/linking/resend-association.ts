import type { UpstreamIdentity } from '../upstream/upstream-identity.ts';
import type { Origin } from './association-hooks.ts';
import { TooManyRequests } from './linking-errors.ts';
import type { LinkingContext } from './linking-context.ts';
import { requestAssociation } from './request-association.ts';

/** A resend sooner than this after the last e-mail is refused: mail can take a minute to arrive. */
export const RESEND_AFTER_MS = 60_000;

export interface ResendRequest {
  identity: UpstreamIdentity;
  clientId: string | null;
  interactionUid: string | null;
  origin: Origin;
}

/**
 * What "Didn't get it? Send it again" did: `resent` (a new link to the same address, the older one superseded),
 * `wait` (the last e-mail is less than `RESEND_AFTER_MS` old: nothing sent), `limit` (the association limits
 * refused: nothing sent, the earlier link still works), `nothing-pending` (no live association to resend).
 */
export type ResendOutcome = 'resent' | 'wait' | 'limit' | 'nothing-pending';

/**
 * "Send it again" for the identity's newest association: the address it entered, within the same limits as any
 * request. The flow decides whether a resend is allowed; the page only reports what happened.
 */
export async function resendAssociation(context: LinkingContext, request: ResendRequest): Promise<ResendOutcome> {
  const { identity } = request;
  const newest = await context.pending.newestOf(identity.issuer, identity.subject);
  const now = context.now();
  if (!newest || newest.status !== 'pending' || newest.expiresAt <= now) return 'nothing-pending';
  if (now.getTime() - newest.createdAt.getTime() < RESEND_AFTER_MS) return 'wait';
  try {
    await requestAssociation(context, { ...request, enteredEmail: newest.enteredEmail });
  } catch (error) {
    if (error instanceof TooManyRequests) return 'limit';
    throw error;
  }
  return 'resent';
}
