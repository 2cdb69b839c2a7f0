/** What oidc-provider hands its `session.saved` and `grant.saved` listeners: the record as it was stored. */
export interface SavedRecord {
  jti: string;
  accountId?: string | undefined;
  exp?: number | undefined;
  authorizations?: Record<string, { sid?: string | undefined }> | undefined;
}

/**
 * The seconds an index entry of a saved record should live: as long as the record. Undefined for a record of no
 * person or without expiry (an anonymous session), which is not indexed.
 */
export function secondsToLive(saved: SavedRecord, nowMs = Date.now()): number | undefined {
  if (!saved.accountId || !saved.exp) return undefined;
  return Math.max(1, saved.exp - Math.floor(nowMs / 1000));
}
