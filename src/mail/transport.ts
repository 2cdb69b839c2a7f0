/** A rendered e-mail ready for a provider. */
export interface OutgoingMail {
  to: string;
  from: { email: string; name: string };
  subject: string;
  html: string;
  text: string;
}

/**
 * Hands one e-mail to a provider. Resolves once the provider accepted it; rejects with an Error whose message is
 * safe to store and show (a status and the provider's reason, never a credential or the e-mail's content).
 */
export interface MailTransport {
  readonly name: 'sendgrid' | 'dev';
  send(mail: OutgoingMail): Promise<{ providerMessageId: string }>;
}
