import type { Identity, Membership, SignInDirectory } from '../accounts/people-directory.ts';
import type { UpstreamIdentity } from '../upstream/upstream-identity.ts';

export type SignInOutcome =
  | {
      kind: 'linked';
      /** The person: the `sub` portals see. */
      personId: string;
      /** The accounts the person may act for (active accounts, active contacts), oldest membership first. */
      memberships: Membership[];
      /** When the person authenticated upstream (seconds): proven by this sign-in, or the latest proven before. */
      authTime: number;
    }
  | { kind: 'not-linked' }
  | { kind: 'account-disabled' };

const seconds = (date: Date) => Math.floor(date.getTime() / 1000);

/** Where a person's sign-ins are kept for their own page (me/sign-in-activity.ts); never fails a sign-in. */
export interface SignInLog {
  record(personId: string, entry: { at: Date; upstreamId: string; clientId: string | null }): Promise<void>;
}

/**
 * Records a sign-in of a linked identity, wherever it happened (a portal's, or the person's own page): the login
 * (people-directory.ts `recordLogin`, at most hourly) with the upstream authentication it proved if later than the
 * one known and what the upstream reported, bounded (it is the provider's text, not ours), and the entry of the
 * person's recent sign-ins.
 */
export async function recordSignIn(
  directory: Pick<SignInDirectory, 'recordLogin'>,
  known: Identity,
  identity: UpstreamIdentity,
  where: { clientId: string | null; at: Date; signIns?: SignInLog | undefined },
): Promise<void> {
  const proof = known.authenticatedAt ?? known.linkedAt;
  const proven =
    identity.authTime !== undefined && identity.authTime > seconds(proof)
      ? new Date(identity.authTime * 1000)
      : undefined;
  const email = identity.email && identity.email.length <= 254 ? identity.email : null;
  const { clientId, at } = where;
  await directory.recordLogin(known, at, proven, { email, clientId });
  await where.signIns?.record(known.personId, { at, upstreamId: known.upstreamId, clientId });
}

/**
 * What an upstream identity may do at the broker: the identity of a person who is a member of at least one active
 * account signs in as that person (and its last login is recorded); an identity with no membership left gets the
 * association flow; one whose every account is disabled is refused. The people directory sees every change the broker
 * made at once (it owns its cache), and writes the login record at most hourly. The authentication time is never later than
 * one the upstream proved: a sign-in the upstream answered from its own session without saying when the person
 * authenticated keeps the latest proven time (OpenID Connect Core 2).
 */
export async function resolveSignIn(
  directory: SignInDirectory,
  identity: UpstreamIdentity,
  /** The portal that asked: support sees it as the sign-in's last portal. */
  clientId: string | null = null,
  signIns?: SignInLog,
): Promise<SignInOutcome> {
  const known = await directory.findIdentity(identity.issuer, identity.subject);
  if (!known) return { kind: 'not-linked' };
  const memberships = await directory.membershipsOf(known.personId);
  if (memberships.length === 0) return { kind: 'not-linked' };
  const active = memberships.filter((m) => m.account.status === 'active');
  if (active.length === 0) return { kind: 'account-disabled' };
  await recordSignIn(directory, known, identity, { clientId, at: new Date(), signIns });
  const proof = known.authenticatedAt ?? known.linkedAt;
  return {
    kind: 'linked',
    personId: known.personId,
    memberships: active,
    authTime: identity.authTime ?? seconds(proof),
  };
}
