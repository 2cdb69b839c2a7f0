// The demo company's brand: the demo (config/demo.yaml says the same), the browser tests and their screenshots show
// the broker as a customer would meet it, with a name, a logo, a colour and footer links.

/** Where the demo portals serve the company's logo: the company's own site, as a real logo would live. */
export const DEMO_LOGO_PATH = '/brand/logo.svg';

/** "Contoso Software" as a small SVG wordmark in the brand colour; text, so it needs no font file. */
export const DEMO_LOGO_SVG = `<svg xmlns="http://www.w3.org/2000/svg" width="230" height="40" viewBox="0 0 230 40" role="img" aria-label="Contoso Software">
<rect x="2" y="6" width="28" height="28" rx="6" fill="#1a5e9a"/>
<path d="M22 14a8 8 0 1 0 0 12" fill="none" stroke="#ffffff" stroke-width="4" stroke-linecap="round"/>
<text x="40" y="27" font-family="system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif" font-size="19" font-weight="600" fill="#1b1f24" textLength="184" lengthAdjust="spacingAndGlyphs">Contoso Software</text>
</svg>
`;

/** The `branding` key of the demo's configuration, with the logo served by the portal at `logoOrigin`. */
export function demoBranding(logoOrigin: string) {
  return {
    companyName: 'Contoso Software',
    logoUrl: `${logoOrigin}${DEMO_LOGO_PATH}`,
    primaryColor: '#1a5e9a',
    supportUrl: 'https://www.example.com/support',
    privacyUrl: 'https://www.example.com/privacy',
    imprintUrl: 'https://www.example.com/imprint',
  };
}
