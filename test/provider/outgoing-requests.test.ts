import { parseConfig } from '../../src/config/index.ts';
import { configuredDestinationsOnly } from '../../src/provider/outgoing-requests.ts';
import { baseConfigDocument } from '../support/config.ts';

const clients = parseConfig(
  baseConfigDocument({
    clients: [
      {
        clientId: 'internal',
        clientSecret: 'internal-secret-0123456789',
        name: 'Internal',
        redirectUris: ['https://portal.internal.example/callback'],
        backchannelLogoutUri: 'https://10.1.2.3:8443/backchannel-logout',
      },
      {
        clientId: 'keyed',
        name: 'Keyed',
        redirectUris: ['https://k.example/cb'],
        tokenEndpointAuthMethod: 'private_key_jwt',
        jwksUri: 'https://k.example/jwks',
      },
    ],
  }),
  {},
).clients;

describe('requests oidc-provider makes', () => {
  it("reach the configured portal URLs, a private address included, without oidc-provider's address guard", async () => {
    const sent: Array<[string, RequestInit]> = [];
    const send = (async (url: URL, init: RequestInit) => {
      sent.push([url.href, init]);
      return new Response(null, { status: 204 });
    }) as unknown as typeof fetch;
    const outgoing = configuredDestinationsOnly(clients, send);
    const signal = AbortSignal.timeout(2500);
    await outgoing('https://10.1.2.3:8443/backchannel-logout', {
      method: 'POST',
      signal,
      dispatcher: {},
    } as RequestInit);
    await outgoing(new URL('https://k.example/jwks'), { method: 'GET' });
    expect(sent.map(([url]) => url)).toEqual(['https://10.1.2.3:8443/backchannel-logout', 'https://k.example/jwks']);
    expect(sent[0]![1]).toEqual({ method: 'POST', signal });
  });

  it('are refused anywhere else', async () => {
    const outgoing = configuredDestinationsOnly(clients, (() => {
      throw new Error('must not be sent');
    }) as unknown as typeof fetch);
    for (const url of [
      'http://169.254.169.254/latest/meta-data',
      'https://10.1.2.3:9999/',
      'https://portal.internal.example/callback',
    ]) {
      await expect(outgoing(url, {})).rejects.toThrow(/refused: no portal is configured there$/);
    }
  });
});
