// oidc-provider's Client sends a back-channel logout token with `backchannelLogout(sub, sid)`
// (lib/models/client.js), and the logout (actions/end_session.js) calls it for every portal of an ending session;
// @types/oidc-provider leaves the method out, and its index signature then types it `unknown`.
declare module 'oidc-provider' {
  interface Client {
    /** Signs a logout token for this portal and POSTs it to its `backchannel_logout_uri`. */
    backchannelLogout(sub: string, sid: string): Promise<void>;
  }
}

export {};
