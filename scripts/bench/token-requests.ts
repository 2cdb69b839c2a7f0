import { PORTAL } from './bench-parties.ts';
import { CODE_VERIFIER } from './mint-codes.ts';

export interface TokenResponse {
  access_token: string;
  id_token?: string;
  refresh_token?: string;
  token_type: string;
  expires_in: number;
}

// client_secret_basic: the form-urlencoded id and secret, joined by a colon, base64 (RFC 6749 section 2.3.1).
const BASIC = `Basic ${Buffer.from(`${encodeURIComponent(PORTAL.clientId)}:${encodeURIComponent(PORTAL.clientSecret)}`).toString('base64')}`;

/** A portal's token request with Node's built-in fetch (keep-alive); anything but 200 with an access token throws. */
export async function tokenRequest(issuer: string, parameters: Record<string, string>): Promise<TokenResponse> {
  const response = await fetch(`${issuer}/token`, {
    method: 'POST',
    headers: { authorization: BASIC, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: new URLSearchParams(parameters).toString(),
  });
  const body = (await response.json()) as Partial<TokenResponse> & { error?: string; error_description?: string };
  if (response.status !== 200 || !body.access_token) {
    throw new Error(`token endpoint ${response.status}: ${body.error ?? ''} ${body.error_description ?? ''}`.trim());
  }
  return body as TokenResponse;
}

export function exchangeCode(issuer: string, code: string, codeVerifier = CODE_VERIFIER): Promise<TokenResponse> {
  return tokenRequest(issuer, { grant_type: 'authorization_code', code, redirect_uri: PORTAL.redirectUri, code_verifier: codeVerifier });
}

export function refresh(issuer: string, refreshToken: string): Promise<TokenResponse> {
  return tokenRequest(issuer, { grant_type: 'refresh_token', refresh_token: refreshToken });
}
