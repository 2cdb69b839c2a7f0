import type { ReauthenticationSupport } from '../config/upstream-presets.ts';

/**
 * What a sign-in must prove about when the person authenticated upstream. `maxAge: 0` means "after this request
 * started" (`prompt=login`, an association confirmation); a portal's `max_age=N` means "within N seconds".
 */
export interface FreshnessRequirement {
  /** Seconds since the epoch at which the broker sent the person upstream. */
  requestedAt: number;
  maxAge: number;
}

/** Parameters that ask the upstream for the authentication a requirement needs, as its preset says it can. */
export function reauthenticationParameters(
  support: ReauthenticationSupport,
  required: FreshnessRequirement | undefined,
): Record<string, string> {
  if (!required) return {};
  return {
    ...(support.prompt && required.maxAge === 0 ? { prompt: 'login' } : {}),
    // A provider without max_age support gets prompt=login for any max_age: a fresh login satisfies every bound.
    ...(support.prompt && !support.maxAge ? { prompt: 'login' } : {}),
    ...(support.maxAge ? { max_age: String(required.maxAge) } : {}),
  };
}

export interface AuthenticationEvidence {
  /** When the person authenticated upstream (seconds), when the ID token says or proves it; else unknown. */
  authTime: number | undefined;
}

/**
 * When the upstream authentication happened, from the ID token: its `auth_time`; or, for a provider that omits it
 * but documents that `prompt=login` always shows its login form, the token's `iat` when prompt=login was sent
 * (the login happened between the request and the token). Never a guess: without either, the time is unknown.
 */
export function authenticationEvidence(
  claims: { auth_time?: unknown; iat?: unknown },
  sent: Record<string, string>,
  support: ReauthenticationSupport,
): AuthenticationEvidence {
  if (typeof claims.auth_time === 'number') return { authTime: claims.auth_time };
  if (sent.prompt === 'login' && support.promptLoginEnforced && typeof claims.iat === 'number')
    return { authTime: claims.iat };
  return { authTime: undefined };
}

// Clock difference tolerated between the broker and a provider: NTP keeps real providers within a second or two.
export const CLOCK_TOLERANCE_S = 10;

/** Whether the evidence meets the requirement; nothing is fresh when the authentication time is unknown. */
export function isFresh(evidence: AuthenticationEvidence, required: FreshnessRequirement, now: number): boolean {
  if (evidence.authTime === undefined) return false;
  const earliest = required.maxAge === 0 ? required.requestedAt : now - required.maxAge;
  return evidence.authTime >= earliest - CLOCK_TOLERANCE_S && evidence.authTime <= now + CLOCK_TOLERANCE_S;
}

/**
 * What a portal's authorization request asks of the authentication: `prompt=login` a fresh one (maxAge 0),
 * `max_age=N` one at most N seconds old. Both are passed on upstream: the broker cannot claim an authentication
 * the upstream did not perform (OpenID Connect Core 3.1.2.1).
 */
export function freshnessAskedBy(params: { prompt?: unknown; max_age?: unknown }): { maxAge?: number } {
  if (typeof params.prompt === 'string' && params.prompt.split(' ').includes('login')) return { maxAge: 0 };
  if (params.max_age === undefined) return {};
  const maxAge = Number(params.max_age);
  return Number.isInteger(maxAge) && maxAge >= 0 ? { maxAge } : {};
}
