import { parseConfig, ConfigError } from '../../src/config/index.ts';
import { baseConfigDocument } from '../support/config.ts';

const WEB = { clientId: 'portal', name: 'Portal', redirectUris: ['https://portal.example.com/callback'] };
const SECRET = 'portal-secret-0123456789';
const PUBLIC_JWK = {
  kty: 'EC',
  crv: 'P-256',
  x: 'McVtUhgUifkxYIhPBojlOHPRhB6PSq-xL7hpoGY8CGY',
  y: 'drbY9ZzprZinRENTCkCOGePHisb84aM65WWUIDwGXOk',
};

/** The configuration's one-line problems for these clients, or [] when it is accepted. */
function problemsOf(...clients: Array<Record<string, unknown>>): readonly string[] {
  try {
    parseConfig(baseConfigDocument({ clients }), {});
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
}

describe('client registration in the configuration', () => {
  it('accepts each kind of portal', () => {
    expect(
      problemsOf(
        { ...WEB, clientId: 'basic', clientSecret: SECRET },
        {
          ...WEB,
          clientId: 'post',
          clientSecret: SECRET,
          tokenEndpointAuthMethod: 'client_secret_post',
          idTokenSignedResponseAlg: 'RS256',
        },
        { ...WEB, clientId: 'keyed', tokenEndpointAuthMethod: 'private_key_jwt', jwks: { keys: [PUBLIC_JWK] } },
        {
          ...WEB,
          clientId: 'keyed-uri',
          tokenEndpointAuthMethod: 'private_key_jwt',
          jwksUri: 'https://portal.example.com/jwks',
        },
        { ...WEB, clientId: 'spa', tokenEndpointAuthMethod: 'none', allowedOrigins: ['https://portal.example.com'] },
        {
          ...WEB,
          clientId: 'app',
          applicationType: 'native',
          tokenEndpointAuthMethod: 'none',
          redirectUris: [
            'http://127.0.0.1/callback',
            'http://[::1]/callback',
            'com.example.app:/callback',
            'https://app.example.com/cb',
          ],
        },
        {
          ...WEB,
          clientId: 'logout',
          clientSecret: SECRET,
          backchannelLogoutUri: 'https://portal.example.com/backchannel',
          frontchannelLogoutUri: 'https://portal.example.com/frontchannel',
        },
      ),
    ).toEqual([]);
  });

  it('refuses combinations that make no sense, one line naming the key', () => {
    expect(problemsOf({ ...WEB })).toEqual([
      'clients[0].clientSecret: is required with tokenEndpointAuthMethod client_secret_basic',
    ]);
    expect(problemsOf({ ...WEB, clientSecret: 'short' })).toEqual([
      'clients[0].clientSecret: must be at least 16 characters',
    ]);
    expect(problemsOf({ ...WEB, clientSecret: SECRET, tokenEndpointAuthMethod: 'none' })).toEqual([
      'clients[0].clientSecret: must not be set with tokenEndpointAuthMethod none (the client holds no secret)',
    ]);
    expect(problemsOf({ ...WEB, tokenEndpointAuthMethod: 'private_key_jwt' })).toEqual([
      'clients[0].jwks: exactly one of jwks or jwksUri is required with tokenEndpointAuthMethod private_key_jwt',
    ]);
    expect(
      problemsOf({
        ...WEB,
        tokenEndpointAuthMethod: 'private_key_jwt',
        jwks: { keys: [{ ...PUBLIC_JWK, d: 'private' }] },
      }),
    ).toEqual(['clients[0].jwks.keys[0]: must hold public keys only (no "d")']);
    expect(problemsOf({ ...WEB, clientSecret: SECRET, jwksUri: 'https://portal.example.com/jwks' })).toEqual([
      'clients[0].jwksUri: is used only with tokenEndpointAuthMethod private_key_jwt',
    ]);
    expect(problemsOf({ ...WEB, clientSecret: SECRET, allowedOrigins: ['https://portal.example.com'] })).toEqual([
      'clients[0].allowedOrigins: is for browser apps, which hold no secret: set tokenEndpointAuthMethod none',
    ]);
    expect(
      problemsOf({ ...WEB, tokenEndpointAuthMethod: 'none', allowedOrigins: ['https://portal.example.com/app'] }),
    ).toEqual(['clients[0].allowedOrigins[0]: must be an origin (scheme://host[:port], no path or trailing slash)']);
    expect(problemsOf({ ...WEB, clientSecret: SECRET, idTokenSignedResponseAlg: 'HS256' })[0]).toMatch(
      /^clients\[0\]\.idTokenSignedResponseAlg: /,
    );
    expect(problemsOf({ ...WEB, clientSecret: SECRET, backchannelLogoutUri: 'http://portal.example.com/bc' })).toEqual([
      'clients[0].backchannelLogoutUri: must be an https URL (http is accepted on loopback hosts only)',
    ]);
  });

  it('holds native apps to RFC 8252 redirect URIs', () => {
    const app = { ...WEB, applicationType: 'native', tokenEndpointAuthMethod: 'none' };
    expect(problemsOf({ ...app, redirectUris: ['http://localhost/callback', 'myapp:/callback'] })).toEqual([
      'clients[0].redirectUris[0]: must use the loopback IP 127.0.0.1 or [::1] for http on a native client (RFC 8252 7.3)',
      'clients[0].redirectUris[1]: must use a reverse-domain private-use scheme such as com.example.app: (RFC 8252 7.1)',
    ]);
  });
});
