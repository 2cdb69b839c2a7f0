import { readFileSync } from 'node:fs';
import Handlebars from 'handlebars';

// The demo parties have their own tiny pages: views/ belongs to the broker and its layout, CSP and assets.
const handlebars = Handlebars.create();
const compile = (name: string) =>
  handlebars.compile(readFileSync(new URL(`./templates/${name}.hbs`, import.meta.url), 'utf8'));
const layout = compile('layout');
const home = compile('portal-home');

export interface PortalHomePage {
  name: string;
  basePath: string;
  signedIn: boolean;
  displayName?: string;
  /** Pretty JSON; escaped by Handlebars like every other value. */
  claims?: string;
  error?: { error: string; description: string };
}

export function renderPortalHome(data: PortalHomePage): string {
  return layout({ title: data.name, body: new Handlebars.SafeString(home(data)) });
}
