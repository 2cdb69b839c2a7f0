// The doubles' HTML. Plain forms without inline script (Chromium drives them, and the scripted browser of
// test/support/browser.ts reads them with regular expressions), except the form_post page, whose one script
// carries the nonce of the CSP sent with it.

// The entities Handlebars writes, which are also the ones test/support/browser.ts decodes.
const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#x27;' };

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c] ?? c);
}

function document(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>
<body><main>
${body}
</main></body>
</html>`;
}

export interface LoginPageInput {
  heading: string;
  /** Absolute URL ending in `/login`, as test/support/portal.ts `loginUpstream` expects. */
  action: string;
  cancelAction: string;
  requestId: string;
  email?: string;
  error?: string;
}

/**
 * The password form, then a separate Cancel form: the scripted browser submits the first form whose action
 * contains `/login`, so the order matters and the cancel action must not contain `/login`.
 */
export function loginPage(input: LoginPageInput): string {
  const request = `<input type="hidden" name="request" value="${escapeHtml(input.requestId)}">`;
  return document(
    input.heading,
    `<h1>${escapeHtml(input.heading)}</h1>
${input.error ? `<p id="error" role="alert">${escapeHtml(input.error)}</p>` : ''}
<form method="post" action="${escapeHtml(input.action)}">
${request}
<p><label for="email">Email</label> <input id="email" name="email" type="email" autocomplete="username" value="${escapeHtml(input.email ?? '')}"></p>
<p><label for="password">Password</label> <input id="password" name="password" type="password" autocomplete="current-password"></p>
<p><button type="submit">Sign in</button></p>
</form>
<form method="post" action="${escapeHtml(input.cancelAction)}">
${request}
<p><button type="submit">Cancel</button></p>
</form>`,
  );
}

/**
 * OAuth 2.0 Form Post Response Mode: the parameters as hidden fields posted to the redirect URI. The script
 * submits at once; the visible button is the fallback when scripts are off (or blocked by a wrong nonce).
 */
export function formPostPage(action: string, fields: Record<string, string>, scriptNonce: string): string {
  const inputs = Object.entries(fields)
    .map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`)
    .join('\n');
  return document(
    'Continue',
    `<form id="response" method="post" action="${escapeHtml(action)}">
${inputs}
<noscript><p>Scripts are off: continue by hand.</p></noscript>
<p><button type="submit">Continue</button></p>
</form>
<script nonce="${escapeHtml(scriptNonce)}">document.getElementById('response').submit();</script>`,
  );
}

/** What a provider shows instead of redirecting: it never sends errors to a redirect URI it cannot trust. */
export function messagePage(heading: string, message: string): string {
  return document(heading, `<h1>${escapeHtml(heading)}</h1>\n<p id="message">${escapeHtml(message)}</p>`);
}
