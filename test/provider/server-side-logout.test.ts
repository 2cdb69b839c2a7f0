import type { Session } from 'oidc-provider';
import {
  isBrowserNavigation,
  serverSideLogout,
  type EndSessionCall,
  type ServerSideLogoutPorts,
} from '../../src/provider/logout/server-side-logout.ts';

// The decision alone, every branch without HTTP; logout.test.ts walks it through the broker as portals see it.

const headers =
  (values: Record<string, string>) =>
  (name: string): string =>
    values[name] ?? '';

describe('isBrowserNavigation', () => {
  it.each([
    ['Fetch Metadata of a navigation', { 'sec-fetch-mode': 'navigate', accept: '*/*' }],
    ['Fetch Metadata of a document', { 'sec-fetch-dest': 'document' }],
    ["a browser's Accept", { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' }],
    ['XHTML alone', { accept: 'application/xhtml+xml' }],
    ['upper case', { 'sec-fetch-mode': 'Navigate' }],
  ])('takes %s for a person', (_case, values) => {
    expect(isBrowserNavigation(headers(values))).toBe(true);
  });

  it.each([
    ['no headers (Go, as in oauth2-proxy)', {}],
    ['*/* (curl, node)', { accept: '*/*' }],
    ['JSON', { accept: 'application/json' }],
    ['HTML refused with q=0', { accept: 'application/json, text/html;q=0' }],
    ["a script's fetch", { 'sec-fetch-mode': 'cors', 'sec-fetch-dest': 'empty', accept: '*/*' }],
  ])('takes %s for a server', (_case, values) => {
    expect(isBrowserNavigation(headers(values))).toBe(false);
  });
});

describe('serverSideLogout', () => {
  const session = { jti: 'session-1' } as unknown as Session;

  function ports(overrides: Partial<ServerSideLogoutPorts> = {}) {
    const verified: Array<[string, string | undefined]> = [];
    const ended: Session[] = [];
    const found: Array<[string, string]> = [];
    const all: ServerSideLogoutPorts = {
      verifyHint: async (hint, clientId) => {
        verified.push([hint, clientId]);
        return { verified: true, clientId: 'portal-a', sid: 'sid-a' };
      },
      findSession: async (clientId, sid) => {
        found.push([clientId, sid]);
        return session;
      },
      endSession: async (s) => {
        ended.push(s);
      },
      ...overrides,
    };
    return { all, verified, ended, found };
  }

  const call = (parameters: Record<string, string> | string, rest: Partial<EndSessionCall> = {}): EndSessionCall => ({
    browser: false,
    sessionCookie: false,
    parameters: new URLSearchParams(parameters),
    ...rest,
  });

  it('ends the session that holds the verified hint’s sid for its portal', async () => {
    const { all, ended, found } = ports();
    await expect(serverSideLogout(call({ id_token_hint: 'token' }), all)).resolves.toEqual({
      outcome: 'ended',
      clientId: 'portal-a',
    });
    expect(found).toEqual([['portal-a', 'sid-a']]);
    expect(ended).toEqual([session]);
  });

  it.each([
    ['a browser', call({ id_token_hint: 'token' }, { browser: true })],
    ['a request with the session cookie', call({ id_token_hint: 'token' }, { sessionCookie: true })],
    ['a request without a hint', call({ client_id: 'portal-a' })],
  ])('leaves %s to oidc-provider, verifying nothing', async (_case, request) => {
    const { all, verified, ended } = ports();
    await expect(serverSideLogout(request, all)).resolves.toEqual({ outcome: 'not-server-side' });
    expect([verified, ended]).toEqual([[], []]);
  });

  it('refuses a hint that does not verify, and ends nothing', async () => {
    const { all, ended, found } = ports({
      verifyHint: async () => ({ verified: false, description: 'could not validate id_token_hint' }),
    });
    await expect(serverSideLogout(call({ id_token_hint: 'forged' }), all)).resolves.toEqual({
      outcome: 'refused',
      description: 'could not validate id_token_hint',
    });
    expect([found, ended]).toEqual([[], []]);
  });

  it('passes client_id on to the verification', async () => {
    const { all, verified } = ports();
    await serverSideLogout(call({ id_token_hint: 'token', client_id: 'portal-b' }), all);
    expect(verified).toEqual([['token', 'portal-b']]);
  });

  it.each([['id_token_hint=a&id_token_hint=b'], ['id_token_hint=a&client_id=portal-a&client_id=portal-b']])(
    'refuses a parameter given twice (%s)',
    async (parameters) => {
      const { all, ended } = ports();
      await expect(serverSideLogout(call(parameters), all)).resolves.toMatchObject({ outcome: 'refused' });
      expect(ended).toEqual([]);
    },
  );

  it('answers a valid hint whose session has ended as done, ending nothing', async () => {
    const { all, ended } = ports({ findSession: async () => undefined });
    await expect(serverSideLogout(call({ id_token_hint: 'token' }), all)).resolves.toEqual({
      outcome: 'already-ended',
      clientId: 'portal-a',
    });
    expect(ended).toEqual([]);
  });
});
