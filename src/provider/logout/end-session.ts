import type Provider from 'oidc-provider';
import type { Session } from 'oidc-provider';
import '../oidc-provider-client.ts';
import { GRANTABLE_MODELS } from '../redis-adapter.ts';

/**
 * Ends one broker session for every portal of it, as oidc-provider's logout does when the person answers "yes, every
 * portal" (actions/end_session.js): each portal with a back-channel logout URI is told (in the background with
 * retries, backchannel-delivery.ts), the session is destroyed, and each portal's grant is revoked with every token
 * issued under it. oidc-provider spares grants marked `persistsLogout`; the broker marks none. Tells the grant ids it
 * revoked.
 */
export async function endBrokerSession(provider: Provider, session: Session): Promise<string[]> {
  const grantIds: string[] = [];
  for (const [clientId, authorization] of Object.entries(session.authorizations ?? {})) {
    if (authorization.grantId) grantIds.push(authorization.grantId);
    if (authorization.sid && session.accountId) {
      await tellPortal(provider, clientId, session.accountId, authorization.sid);
    }
  }
  await session.destroy();
  for (const grantId of grantIds) await revokeGrant(provider, grantId);
  return grantIds;
}

async function tellPortal(provider: Provider, clientId: string, accountId: string, sid: string): Promise<void> {
  const client = await provider.Client.find(clientId);
  if (!client?.backchannelLogoutUri) return;
  // The logout token's `sub` is the portal's: oidc-provider makes it pairwise for a pairwise portal.
  await client.backchannelLogout(accountId, sid);
}

/** As oidc-provider revokes a grant at logout: every token issued under it, then the grant itself. */
export async function revokeGrant(provider: Provider, grantId: string): Promise<void> {
  await Promise.all(GRANTABLE_MODELS.map((name) => provider[name].revokeByGrantId(grantId)));
  await provider.Grant.adapter.destroy(grantId);
}
