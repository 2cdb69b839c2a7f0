import { createHash, randomBytes } from 'node:crypto';
import type Provider from 'oidc-provider';
import { PORTAL } from './bench-parties.ts';

/** One PKCE pair for every minted code: the token endpoint still verifies it on every exchange. */
export const CODE_VERIFIER = randomBytes(32).toString('base64url');
const CODE_CHALLENGE = createHash('sha256').update(CODE_VERIFIER).digest('base64url');

/**
 * Authorization codes minted straight through the provider's own models, the same way on the broker and on the bare
 * provider so the code-exchange comparison is fair and measures the token endpoint alone: per code a new Grant
 * (the OIDC scope granted, as the broker's loadExistingGrant does at login) saved through the provider's adapter,
 * then an AuthorizationCode bound to that grant, the portal's redirect URI and an S256 challenge, saved likewise.
 * What the authorization endpoint would have written is thus in the provider's store (Redis for the broker,
 * memory for the bare provider) before the timed exchange starts; minting is not timed.
 */
export async function mintCodes(
  provider: Provider,
  accountIds: readonly string[],
  count: number,
  scope: string,
  concurrency = 16,
): Promise<string[]> {
  const client = await provider.Client.find(PORTAL.clientId);
  if (!client) throw new Error(`${PORTAL.clientId} is not a client of ${provider.issuer}`);
  const codes: string[] = new Array<string>(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const index = next;
      next += 1;
      const accountId = accountIds[index % accountIds.length] ?? '';
      const grant = new provider.Grant({ clientId: client.clientId, accountId });
      grant.addOIDCScope(scope);
      const grantId = await grant.save();
      const code = new provider.AuthorizationCode({
        client,
        grantId,
        accountId,
        scope,
        gty: 'authorization_code',
        redirectUri: PORTAL.redirectUri,
        codeChallenge: CODE_CHALLENGE,
        codeChallengeMethod: 'S256',
        authTime: Math.floor(Date.now() / 1000),
        amr: ['fed'],
        nonce: randomBytes(16).toString('base64url'),
      });
      codes[index] = await code.save();
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return codes;
}
