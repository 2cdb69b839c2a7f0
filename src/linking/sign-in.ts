import type { AccountStore } from '../accounts/account-store.ts';
import type { UpstreamIdentity } from '../upstream/upstream-client.ts';

export type SignInOutcome =
  | {
      kind: 'linked';
      accountId: string;
      /** When the person authenticated upstream (seconds): proven by this sign-in, or the latest proven before. */
      authTime: number;
    }
  | { kind: 'not-linked' }
  | { kind: 'account-disabled' };

const seconds = (date: Date) => Math.floor(date.getTime() / 1000);

/**
 * What an upstream identity may do at the broker: an identity linked to an active account signs in as that
 * account (and its last login is recorded); any other identity gets no account — the association flow takes over.
 * The authentication time is never later than one the upstream proved: a sign-in the upstream answered from its
 * own session without saying when the person authenticated keeps the latest proven time (OpenID Connect Core 2).
 */
export async function resolveSignIn(accounts: AccountStore, identity: UpstreamIdentity): Promise<SignInOutcome> {
  const linked = await accounts.findLinkedAccount(identity.issuer, identity.subject);
  if (!linked) return { kind: 'not-linked' };
  if (linked.account.status !== 'active') return { kind: 'account-disabled' };
  const known = linked.identity.authenticatedAt ?? linked.identity.linkedAt;
  const proven = identity.authTime !== undefined && identity.authTime > seconds(known) ? new Date(identity.authTime * 1000) : undefined;
  await accounts.recordLogin(linked.identity._id, new Date(), proven);
  return { kind: 'linked', accountId: linked.account._id.toString(), authTime: identity.authTime ?? seconds(known) };
}
