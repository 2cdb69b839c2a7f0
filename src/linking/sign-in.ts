import type { AccountStore } from '../accounts/account-store.ts';
import type { UpstreamIdentity } from '../upstream/upstream-client.ts';

export type SignInOutcome =
  | { kind: 'linked'; accountId: string }
  | { kind: 'not-linked' }
  | { kind: 'account-disabled' };

/**
 * What an upstream identity may do at the broker: an identity linked to an active account signs in as that
 * account (and its last login is recorded); any other identity gets no account — the association flow takes over.
 */
export async function resolveSignIn(accounts: AccountStore, identity: UpstreamIdentity): Promise<SignInOutcome> {
  const linked = await accounts.findLinkedAccount(identity.issuer, identity.subject);
  if (!linked) return { kind: 'not-linked' };
  if (linked.account.status !== 'active') return { kind: 'account-disabled' };
  await accounts.recordLogin(linked.identity._id);
  return { kind: 'linked', accountId: linked.account._id.toString() };
}
