import { decodeJwt } from 'jose';
import type Provider from 'oidc-provider';

/** A hint the broker issued: the portal it was issued to, and the `sid` of that portal in the session it names. */
export interface VerifiedHint {
  verified: true;
  clientId: string;
  sid: string;
}

export interface RefusedHint {
  verified: false;
  /** Safe to show the caller: says what is wrong with the request, nothing about sessions or keys. */
  description: string;
}

const refused = (description: string): RefusedHint => ({ verified: false, description });

/**
 * Checks an `id_token_hint` as oidc-provider's end-session endpoint does (actions/end_session.js): its audience is a
 * registered portal, equal to `client_id` when one is given (RP-Initiated Logout 1.0, 2), and `IdToken.validate`
 * accepts it: signed with the broker's keys in the algorithm registered for that portal, issued by this issuer, to
 * that audience. An expired hint is accepted, as oidc-provider does (it validates with `ignoreExpiration`) and
 * RP-Initiated Logout 1.0 (2) asks: a portal signs out with the ID token it got at sign-in, hours earlier.
 */
export async function verifyIdTokenHint(
  provider: Provider,
  hint: string,
  clientIdParameter: string | undefined,
): Promise<VerifiedHint | RefusedHint> {
  let audience: unknown;
  try {
    ({ aud: audience } = decodeJwt(hint));
  } catch {
    return refused('could not decode id_token_hint');
  }
  // oidc-provider issues ID tokens to one audience, as a string.
  if (typeof audience !== 'string') return refused('could not validate id_token_hint');
  if (clientIdParameter !== undefined && clientIdParameter !== audience) {
    return refused('client_id does not match the provided id_token_hint');
  }
  const client = await provider.Client.find(audience);
  if (!client) return refused('unrecognized id_token_hint audience');
  let sid: unknown;
  try {
    ({
      payload: { sid },
    } = await provider.IdToken.validate(hint, client));
  } catch {
    return refused('could not validate id_token_hint');
  }
  if (typeof sid !== 'string' || sid === '') return refused('id_token_hint names no session (no sid)');
  return { verified: true, clientId: client.clientId, sid };
}
