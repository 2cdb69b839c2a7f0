/** The e-mails the broker sends: one folder each under views/mail/. */
export const MAIL_TEMPLATES = ['association-link', 'association-linked', 'support-request'] as const;

export type MailTemplate = (typeof MAIL_TEMPLATES)[number];
