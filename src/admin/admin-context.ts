import type { Connection } from 'mongoose';
import type { DirectoryChangeNotices } from '../accounts/directory-changes.ts';
import type { AuditTrail, Mailer } from '../linking/ports.ts';
import type { LinkingContext } from '../linking/linking-context.ts';

/** What the admin operations work with; built once by the composition root. */
export interface AdminContext {
  db: Connection;
  /** The association flow's own ports: resend, cancel and link-on-behalf go through its rules. */
  linking: LinkingContext;
  audit: AuditTrail;
  mailer: Mailer;
  /** Told after a removal or an edit of people or accounts: every process drops what it cached of them. */
  changes: DirectoryChangeNotices;
  /** The configured upstreams, to turn an `upstreamId` given by staff into the issuer identities are stored with. */
  upstreamIssuer(upstreamId: string): string | undefined;
  now(): Date;
}
