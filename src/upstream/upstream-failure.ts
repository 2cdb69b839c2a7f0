/**
 * What went wrong in a call to an upstream, for the log and the metrics: openid-client's error name, code and
 * message, and its cause's message (where the real reason lives: `JWT "auth_time" claim missing` behind
 * "invalid response encountered"). Only messages are kept, never the cause's data, which can hold tokens or claims.
 */
export interface UpstreamFailure {
  name: string;
  code?: string;
  message: string;
  cause?: string;
  /** The provider's own OAuth error (`invalid_client`), when it answered with one. */
  error?: string;
  /** The HTTP status of the provider's answer, when there was one. */
  status?: number;
}

const MAX_TEXT = 300;
const bounded = (text: string) => (text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT)}…` : text);

export function describeFailure(error: unknown): UpstreamFailure {
  if (!(error instanceof Error)) return { name: 'Error', message: bounded(String(error)) };
  const {
    code,
    cause,
    error: oauthError,
    status,
  } = error as { code?: unknown; cause?: unknown; error?: unknown; status?: unknown };
  const causeError = cause instanceof Error ? cause : undefined;
  // A 401 with WWW-Authenticate carries the provider's error in its challenge (RFC 6750 3), not in a body.
  const challenge = Array.isArray(cause)
    ? (cause[0] as { parameters?: { error?: unknown } } | undefined)?.parameters
    : undefined;
  const causeOauthError = challenge?.error ?? (cause as { error?: unknown } | undefined)?.error;
  const providerError =
    typeof oauthError === 'string' ? oauthError : typeof causeOauthError === 'string' ? causeOauthError : undefined;
  return {
    name: error.name,
    ...(typeof code === 'string' ? { code } : {}),
    message: bounded(error.message),
    ...(causeError ? { cause: bounded(causeError.message) } : {}),
    ...(providerError ? { error: bounded(providerError) } : {}),
    ...(typeof status === 'number' ? { status } : {}),
  };
}

/** A short label for the metrics: few values, so that a counter per label stays cheap. */
export type FailureCause =
  | 'unreachable'
  | 'discovery'
  | 'issuer'
  | 'tenant'
  | 'client-auth'
  | 'auth-time'
  | 'reauthentication'
  | 'denied'
  | 'invalid-response';
