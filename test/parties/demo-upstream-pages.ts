import { readFileSync } from 'node:fs';
import Handlebars from 'handlebars';

// The demo parties have their own tiny pages: views/ belongs to the broker and its layout, CSP and assets.
const handlebars = Handlebars.create();
const compile = (name: string) =>
  handlebars.compile(readFileSync(new URL(`./templates/${name}.hbs`, import.meta.url), 'utf8'));
const layout = compile('layout');
const pages = { login: compile('upstream-login'), message: compile('upstream-message') };

export interface LoginPage {
  uid: string;
  clientId?: string;
  email?: string;
  error?: string;
  /** Shown as a hint on the page: this is a demo, and whoever opens it needs to know how to sign in. */
  users: ReadonlyArray<{ email: string }>;
}

export interface MessagePage {
  heading: string;
  message?: string;
  /** The RP-initiated logout form oidc-provider generates, inserted unescaped. */
  logoutForm?: string;
}

/** Values are HTML-escaped by Handlebars; only `logoutForm` (oidc-provider's own markup) is inserted raw. */
export function renderUpstreamPage(page: 'login', data: LoginPage): string;
export function renderUpstreamPage(page: 'message', data: MessagePage): string;
export function renderUpstreamPage(page: keyof typeof pages, data: LoginPage | MessagePage): string {
  const title = 'heading' in data ? `${data.heading} – Demo ID` : 'Sign in – Demo ID';
  return layout({ title, body: new Handlebars.SafeString(pages[page](data)) });
}
