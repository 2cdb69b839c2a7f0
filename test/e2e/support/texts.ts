// What a person reads on the broker's pages, per language, written out rather than read from views/locales: a
// test that takes its expectations from the catalogue would pass with any text in it. A German run needs a `de`
// entry here (the browser then asks for it through Accept-Language); `npm run test:e2e` runs every language.
// Demo ID and the demo portals are test parties with English pages only; the tests find their parts by id.

export interface BrokerTexts {
  /** Sent as the browser's language (Playwright's `locale` context option sets Accept-Language). */
  browserLocale: string;
  associate: {
    heading: string;
    emailLabel: string;
    submit: string;
    help: (support: string) => string;
    signedInAs: (signInName: string, upstreamName: string) => string;
    anotherSignIn: string;
  };
  /** `text` takes the address as shown: masked (`o***@carol-and-co.example`). */
  associationSent: { heading: string; text: (masked: string) => string };
  linkConfirm: { heading: string; confirm: (upstreamName: string) => string };
  associationLinked: { heading: string; text: (accountName: string) => string; continue: string };
  mismatch: { heading: string };
  entitlementMissing: { heading: (clientName: string, plans: string) => string; back: (clientName: string) => string };
  logout: { heading: (clientName: string) => string; yes: string };
  /** The pages the screenshots of every customer page pass (customer-pages.test.ts). */
  pages: {
    continueWith: (name: string) => string;
    linkCancel: string;
    linkCancelledHeading: string;
    linkCancelledProblem: string;
    linkNotFound: string;
    linkUsedProblem: string;
    linkSupersededProblem: string;
    backTo: (portal: string) => string;
    upstreamDenied: string;
    signInExpired: string;
    unavailable: (upstreamName: string) => string;
    requestNotCompleted: string;
    supportSummary: string;
    supportMessageLabel: string;
    supportSubmit: string;
    supportSent: string;
    consent: (clientName: string) => string;
    signOut: string;
    signedOut: string;
    disown: string;
    disownConfirm: string;
    disowned: string;
  };
}

export const TEXTS = {
  en: {
    browserLocale: 'en-US',
    associate: {
      heading: 'Associate your account',
      emailLabel: 'E-mail address registered on your customer account',
      submit: 'Send me an e-mail',
      help: (support) => `Don't know it? Write to ${support}.`,
      signedInAs: (signInName, upstreamName) => `You signed in as “${signInName}” at ${upstreamName}.`,
      anotherSignIn: 'Not you? Use another sign-in',
    },
    associationSent: {
      heading: 'Thank you',
      text: (masked) => `If ${masked} is registered on a customer account, an e-mail with a link is on its way to it.`,
    },
    linkConfirm: {
      heading: 'Confirm the association',
      confirm: (upstreamName) => `Sign in with ${upstreamName} to confirm`,
    },
    associationLinked: {
      heading: 'Your sign-in is associated',
      text: (accountName) => `You have successfully associated your sign-in with your customer account ${accountName}.`,
      continue: 'Continue',
    },
    mismatch: { heading: 'This is a different sign-in' },
    entitlementMissing: {
      heading: (clientName, plans) => `${clientName} needs a ${plans} plan`,
      back: (clientName) => `Back to ${clientName}`,
    },
    logout: { heading: (clientName) => `Sign out of ${clientName}`, yes: 'Yes, sign me out' },
    pages: {
      continueWith: (name) => `Continue with ${name}`,
      linkCancel: "This wasn't me — cancel",
      linkCancelledHeading: 'Request cancelled',
      linkCancelledProblem: 'This link was cancelled',
      linkNotFound: 'This link is not valid',
      linkUsedProblem: 'This link was already used',
      linkSupersededProblem: 'A newer link was sent',
      backTo: (portal) => `Back to ${portal}`,
      upstreamDenied: 'Sign-in cancelled',
      signInExpired: 'This sign-in has expired',
      unavailable: (upstreamName) => `${upstreamName} is not available`,
      requestNotCompleted: 'We could not complete your request',
      supportSummary: "Don't know the registered address? Ask support",
      supportMessageLabel: 'Your message',
      supportSubmit: 'Send to support',
      supportSent: 'Support will get back to you',
      consent: (clientName) => `Allow ${clientName} access`,
      signOut: 'Sign out',
      signedOut: 'You are signed out',
      disown: "Wasn't this you?",
      disownConfirm: 'Remove this sign-in',
      disowned: 'The sign-in was removed',
    },
  },
  de: {
    browserLocale: 'de-DE',
    associate: {
      heading: 'Konto zuordnen',
      emailLabel: 'Bei Ihrem Kundenkonto hinterlegte E-Mail-Adresse',
      submit: 'E-Mail senden',
      help: (support) => `Sie kennen sie nicht? Schreiben Sie an ${support}.`,
      signedInAs: (signInName, upstreamName) => `Sie haben sich als „${signInName}“ bei ${upstreamName} angemeldet.`,
      anotherSignIn: 'Nicht Sie? Andere Anmeldung verwenden',
    },
    associationSent: {
      heading: 'Vielen Dank',
      text: (masked) =>
        `Wenn ${masked} bei einem Kundenkonto hinterlegt ist, ist eine E-Mail mit einem Link dorthin unterwegs.`,
    },
    linkConfirm: {
      heading: 'Zuordnung bestätigen',
      confirm: (upstreamName) => `Mit ${upstreamName} anmelden und bestätigen`,
    },
    associationLinked: {
      heading: 'Ihre Anmeldung ist zugeordnet',
      text: (accountName) => `Sie haben Ihre Anmeldung erfolgreich Ihrem Kundenkonto ${accountName} zugeordnet.`,
      continue: 'Weiter',
    },
    mismatch: { heading: 'Das ist eine andere Anmeldung' },
    entitlementMissing: {
      heading: (clientName, plans) => `${clientName} erfordert einen ${plans}-Vertrag`,
      back: (clientName) => `Zurück zu ${clientName}`,
    },
    logout: { heading: (clientName) => `Von ${clientName} abmelden`, yes: 'Ja, abmelden' },
    pages: {
      continueWith: (name) => `Weiter mit ${name}`,
      linkCancel: 'Das war ich nicht – abbrechen',
      linkCancelledHeading: 'Anfrage storniert',
      linkCancelledProblem: 'Dieser Link wurde storniert',
      linkNotFound: 'Dieser Link ist ungültig',
      linkUsedProblem: 'Dieser Link wurde bereits verwendet',
      linkSupersededProblem: 'Es wurde ein neuerer Link gesendet',
      backTo: (portal) => `Zurück zu ${portal}`,
      upstreamDenied: 'Anmeldung abgebrochen',
      signInExpired: 'Diese Anmeldung ist abgelaufen',
      unavailable: (upstreamName) => `${upstreamName} ist nicht erreichbar`,
      requestNotCompleted: 'Ihre Anfrage konnte nicht abgeschlossen werden',
      supportSummary: 'Sie kennen die hinterlegte Adresse nicht? Fragen Sie den Support',
      supportMessageLabel: 'Ihre Nachricht',
      supportSubmit: 'An den Support senden',
      supportSent: 'Der Support meldet sich bei Ihnen',
      consent: (clientName) => `${clientName} Zugriff erlauben`,
      signOut: 'Abmelden',
      signedOut: 'Sie sind abgemeldet',
      disown: 'Waren Sie das nicht?',
      disownConfirm: 'Diese Anmeldung entfernen',
      disowned: 'Die Anmeldung wurde entfernt',
    },
  },
} satisfies Record<string, BrokerTexts>;

export type Locale = keyof typeof TEXTS;

function isLocale(value: string): value is Locale {
  return Object.hasOwn(TEXTS, value);
}

/** The language of this run: `E2E_LOCALE` (default `en`), one of the tables above. */
export function e2eLocale(value = process.env.E2E_LOCALE || 'en'): Locale {
  if (!isLocale(value)) throw new Error(`E2E_LOCALE=${value}: no expected texts for it in test/e2e/support/texts.ts`);
  return value;
}
