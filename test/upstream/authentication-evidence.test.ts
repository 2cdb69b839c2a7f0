import { UPSTREAM_PRESETS } from '../../src/config/upstream-presets.ts';
import {
  CLOCK_TOLERANCE_S,
  authenticationEvidence,
  isFresh,
  reauthenticationParameters,
} from '../../src/upstream/authentication-evidence.ts';

const { oidc, microsoft, google } = UPSTREAM_PRESETS;
const NOW = 1_900_000_000;

describe('asking an upstream for a fresh authentication', () => {
  it('asks nothing for an ordinary sign-in, so the upstream may answer from its session', () => {
    expect(reauthenticationParameters(oidc.reauthentication, undefined)).toEqual({});
  });

  it('sends prompt=login and max_age=0 to a standard provider for a confirmation', () => {
    expect(reauthenticationParameters(oidc.reauthentication, { requestedAt: NOW, maxAge: 0 })).toEqual({
      prompt: 'login',
      max_age: '0',
    });
  });

  it("forwards a portal's max_age as it is to a provider that supports it", () => {
    expect(reauthenticationParameters(oidc.reauthentication, { requestedAt: NOW, maxAge: 300 })).toEqual({
      max_age: '300',
    });
  });

  it('sends prompt=login to Microsoft, whatever the max_age, and never max_age', () => {
    expect(reauthenticationParameters(microsoft.reauthentication, { requestedAt: NOW, maxAge: 300 })).toEqual({
      prompt: 'login',
    });
  });

  it('sends Google only max_age, because Google refuses prompt=login', () => {
    expect(reauthenticationParameters(google.reauthentication, { requestedAt: NOW, maxAge: 0 })).toEqual({
      max_age: '0',
    });
  });
});

describe('what proves when the person authenticated upstream', () => {
  it('is the ID token auth_time when there is one', () => {
    expect(authenticationEvidence({ auth_time: NOW - 5, iat: NOW }, {}, oidc.reauthentication)).toEqual({
      authTime: NOW - 5,
    });
  });

  it("is the token's iat for a provider that enforces prompt=login, when prompt=login was sent", () => {
    expect(authenticationEvidence({ iat: NOW }, { prompt: 'login' }, microsoft.reauthentication)).toEqual({
      authTime: NOW,
    });
  });

  it('is unknown without auth_time when prompt=login was not sent, or is not known to be enforced', () => {
    expect(authenticationEvidence({ iat: NOW }, {}, microsoft.reauthentication)).toEqual({ authTime: undefined });
    expect(authenticationEvidence({ iat: NOW }, { prompt: 'login' }, oidc.reauthentication)).toEqual({
      authTime: undefined,
    });
  });

  it('accepts an authentication after the confirmation started, and refuses one from the session before it', () => {
    const required = { requestedAt: NOW - 30, maxAge: 0 };
    expect(isFresh({ authTime: NOW - 20 }, required, NOW)).toBe(true);
    expect(isFresh({ authTime: NOW - 30 - CLOCK_TOLERANCE_S - 1 }, required, NOW)).toBe(false);
  });

  it("accepts within a portal's max_age and refuses outside it", () => {
    expect(isFresh({ authTime: NOW - 200 }, { requestedAt: NOW, maxAge: 300 }, NOW)).toBe(true);
    expect(isFresh({ authTime: NOW - 400 }, { requestedAt: NOW, maxAge: 300 }, NOW)).toBe(false);
  });

  it('refuses an unknown time and a time in the future', () => {
    expect(isFresh({ authTime: undefined }, { requestedAt: NOW, maxAge: 0 }, NOW)).toBe(false);
    expect(isFresh({ authTime: NOW + 3600 }, { requestedAt: NOW, maxAge: 0 }, NOW)).toBe(false);
  });
});
