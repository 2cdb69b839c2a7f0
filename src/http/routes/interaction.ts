import Router from '@koa/router';
import { bodyParser } from '@koa/bodyparser';
import type { Context, Middleware } from 'koa';
import type Provider from 'oidc-provider';
import { idOf, type PeopleDirectory } from '../../accounts/people-directory.ts';
import type { PortalDirectory } from '../../config/portal-directory.ts';
import { BrokerError } from '../../errors/broker-error.ts';
import { isPlausibleAddress } from '../../accounts/email.ts';
import { AccountDisabled, InteractionExpired } from './interaction-errors.ts';
import type { LinkingContext } from '../../linking/linking-context.ts';
import type { BrokerMetrics } from '../../metrics/broker-metrics.ts';
import { requestAssociation } from '../../linking/request-association.ts';
import { resolveSignIn, type SignInLog } from '../../sign-in/resolve-sign-in.ts';
import {
  accountChoices,
  chosenMembership,
  decideSignIn,
  type AccountChoice,
  type SignInStep,
} from '../../sign-in/decide-sign-in.ts';
import { resendAssociation } from '../../linking/resend-association.ts';
import { maskEmail } from '../../audit/mask-email.ts';
import { signInNameOf } from '../../linking/association-hooks.ts';
import type { UpstreamIdentity } from '../../upstream/upstream-identity.ts';
import type { Federation } from '../../upstream/federation.ts';
import type { InteractionIdentityStore } from '../../upstream/interaction-identities.ts';
import { csrfProtection } from '../../web/csrf.ts';
import { noStore } from '../../web/no-store.ts';
import { localeFor } from '../../web/locale.ts';
import { formBody } from '../../web/form-body.ts';
import { renderPage } from '../../web/render-page.ts';
import { startInteractionLogin } from './straight-upstream.ts';
import type { ViewRenderer } from '../../web/views.ts';
import type { Translator } from '../../i18n/translator.ts';
import { clientIdOf } from './interaction-client.ts';

type Interaction = Awaited<ReturnType<Provider['interactionDetails']>>;

const SENT_NOTICES = new Set(['resent', 'wait', 'limit']);

/** "support or enhancement" in the page's language. */
/** "Support or Enhancement": plan types as people read them (`plans.<type>` in the catalogues, else the type). */
function planList(plans: readonly string[], locale: string, translator: Translator): string {
  const named = plans.map((plan) =>
    translator.has(locale, `plans.${plan}`) ? translator.t(locale, `plans.${plan}`) : plan,
  );
  return new Intl.ListFormat(locale, { type: 'disjunction' }).format(named);
}

/** "1 hour", "45 minutes" (rounded up, in the page's language): how long the e-mailed link still works. */
function remainingLifetime(expiresAt: Date, now: Date, locale: string): string {
  const minutes = Math.max(1, Math.ceil((expiresAt.getTime() - now.getTime()) / 60_000));
  const [value, unit] = minutes % 60 === 0 ? [minutes / 60, 'hour'] : [minutes, 'minute'];
  return new Intl.NumberFormat(locale, { style: 'unit', unit, unitDisplay: 'long' }).format(value);
}

export interface InteractionRouteDependencies {
  provider: Provider;
  federation: Federation;
  identities: InteractionIdentityStore;
  /** Sees every change the broker made at once, in every process (it owns its cache). */
  directory: PeopleDirectory;
  portals: PortalDirectory;
  /** Lets the provider choice's forms lead to the upstreams' login pages, wherever they are (CSP form-action). */
  leadUpstream: Middleware;
  views: ViewRenderer;
  support: string;
  linking: LinkingContext;
  metrics?: BrokerMetrics;
  /** Where each sign-in is listed for the person's own page. */
  signIns?: SignInLog;
}

type Deps = InteractionRouteDependencies;

/**
 * oidc-provider's interaction pages: login goes upstream (straight there with one upstream, through a choice with
 * several); back from upstream, the sign-in decision (sign-in/decide-sign-in.ts) says what comes next; the
 * association pages for a sign-in not linked yet; consent for portals configured to ask.
 */
export function interactionRoutes(deps: InteractionRouteDependencies): Router {
  const router = new Router({ prefix: '/interaction/:uid' });
  router.use(noStore, bodyParser({ enableTypes: ['form'] }), csrfProtection());
  signInRoutes(router, deps);
  associationRoutes(router, deps);
  endingRoutes(router, deps);
  return router;
}

/** Login upstream, back from upstream, and the account choice. */
function signInRoutes(router: Router, deps: Deps): void {
  router.get('/', deps.leadUpstream, async (ctx) => {
    const interaction = await details(deps, ctx);
    const clientId = interaction.params.client_id;
    if (interaction.prompt.name === 'login') {
      const upstreams = deps.federation.list();
      if (upstreams.length === 1 && upstreams[0]) return goUpstream(deps, ctx, upstreams[0].id, interaction);
      return page(deps, ctx, 'choose-upstream', clientId, { titleKey: 'chooseUpstream.title', upstreams });
    }
    if (interaction.prompt.name === 'select_account') {
      const personId = interaction.session?.accountId;
      if (!personId) throw new InteractionExpired();
      return choosePage(
        deps,
        ctx,
        interaction,
        accountChoices(await deps.directory.membershipsOf(personId), requirementOf(deps, interaction)),
      );
    }
    if (interaction.prompt.name === 'entitlement')
      return entitlementPage(deps, ctx, interaction, await signInOf(deps, interaction));
    if (interaction.prompt.name === 'consent') {
      // A configured portal is first-party: it reaches here only when it asked for `prompt=consent` (as
      // offline_access requires), and is granted what it asked for without a screen unless it is set to ask.
      if (!deps.portals.get(clientId)?.asksConsent) return grantConsent(deps, ctx, interaction);
      const scopes = [...new Set([...((interaction.prompt.details.missingOIDCScope as string[] | undefined) ?? [])])];
      return page(deps, ctx, 'consent', clientId, {
        titleKey: 'consent.title',
        scopeKeys: scopes.map((s) => `consent.scope.${s}`),
      });
    }
    throw new InteractionExpired();
  });

  router.post('/upstream/:upstreamId', async (ctx) => {
    const interaction = await details(deps, ctx);
    if (interaction.prompt.name !== 'login') throw new InteractionExpired();
    await goUpstream(deps, ctx, ctx.params.upstreamId ?? '', interaction);
  });

  // Where the upstream callback sends the browser back (the interaction cookie is readable here again), and where
  // the success page of an association continues to: the original authorization request resumes if it is still
  // alive in this browser; one that lives on but belongs to another browser (the link was opened elsewhere) sends
  // the person to the portal, which starts a sign-in that now succeeds.
  router.get('/continue', async (ctx) => {
    let interaction;
    try {
      interaction = await details(deps, ctx);
    } catch (error) {
      const elsewhere = await deps.provider.Interaction.find(ctx.params.uid ?? '');
      const onward = deps.portals.get(elsewhere?.params.client_id)?.continueUrl;
      if (!onward) throw error;
      ctx.status = 303;
      return ctx.redirect(onward);
    }
    const identity = await deps.identities.find(interaction.uid);
    if (!identity) throw new InteractionExpired();
    const outcome = await resolveSignIn(deps.directory, identity, clientIdOf(interaction), deps.signIns);
    deps.metrics?.signIns.inc({ outcome: outcome.kind });
    await takeStep(
      deps,
      ctx,
      interaction,
      identity,
      decideSignIn({ outcome, identity, requires: requirementOf(deps, interaction) }),
    );
  });

  router.post('/account', async (ctx) => {
    const interaction = await details(deps, ctx);
    // A form value is untrusted: anything that is not an account id counts as no valid choice (the page again).
    const chosen = idOf(formBody(ctx).account) ?? '';
    const requires = requirementOf(deps, interaction);
    const identity = await deps.identities.find(interaction.uid);
    if (identity) {
      // Chosen while signing in: the login and the account finish together.
      const outcome = await resolveSignIn(deps.directory, identity, clientIdOf(interaction));
      if (outcome.kind !== 'linked') throw new InteractionExpired();
      return takeStep(
        deps,
        ctx,
        interaction,
        identity,
        decideSignIn({ outcome, identity, requires, chosenAccountId: chosen }),
      );
    }
    // Asked again (prompt=select_account, or a choice that no longer counts) within a broker session.
    const personId = interaction.session?.accountId;
    if (interaction.prompt.name !== 'select_account' || !personId) throw new InteractionExpired();
    const memberships = await deps.directory.membershipsOf(personId);
    const membership = chosenMembership(memberships, chosen, requires);
    if (!membership) return choosePage(deps, ctx, interaction, accountChoices(memberships, requires));
    await finish(deps, ctx, interaction, { select_account: { accountId: membership.account.id } });
  });

  // "Use another account": the association flow for the sign-in of this interaction, or of this session's person.
  router.post('/another-account', async (ctx) => {
    const interaction = await details(deps, ctx);
    const identity = await signInOf(deps, interaction);
    if (!identity) throw new InteractionExpired();
    associatePage(deps, ctx, interaction, identity);
  });
}

/** "Associate your account", "Thank you" and sending the link again. */
function associationRoutes(router: Router, deps: Deps): void {
  router.get('/associate', async (ctx) => {
    const interaction = await details(deps, ctx);
    const identity = await deps.identities.find(interaction.uid);
    if (!identity) throw new InteractionExpired();
    associatePage(deps, ctx, interaction, identity);
  });

  // "Not you? Use another sign-in": this upstream identity is set aside and the upstream is asked for a fresh
  // login (prompt=login), so its own session does not hand back the same identity.
  router.post('/another-sign-in', async (ctx) => {
    const interaction = await details(deps, ctx);
    const identity = await deps.identities.find(interaction.uid);
    if (!identity || interaction.prompt.name !== 'login') throw new InteractionExpired();
    await deps.identities.forget(interaction.uid);
    const upstreams = deps.federation.list();
    if (upstreams.length > 1)
      return page(deps, ctx, 'choose-upstream', interaction.params.client_id, {
        titleKey: 'chooseUpstream.title',
        upstreams,
      });
    await goUpstream(deps, ctx, identity.upstreamId, interaction, { maxAge: 0 });
  });

  // POST-redirect-GET: the request is answered by a redirect to "Thank you", so reloading that page (or going back
  // to it) sends nothing and spends none of the person's allowance.
  router.post('/associate', async (ctx) => {
    const interaction = await details(deps, ctx);
    const identity = await deps.identities.find(interaction.uid);
    if (!identity) throw new InteractionExpired();
    const entered = String(formBody(ctx).email ?? '').trim();
    if (!isPlausibleAddress(entered)) {
      ctx.status = 422;
      return associatePage(deps, ctx, interaction, identity, { email: entered, emailError: true });
    }
    await requestAssociation(deps.linking, {
      identity,
      enteredEmail: entered,
      clientId: String(interaction.params.client_id ?? '') || null,
      interactionUid: interaction.uid,
      origin: { ip: ctx.ip, locale: ctx.state.locale },
    });
    deps.metrics?.associations.inc({ step: 'requested' });
    ctx.status = 303;
    ctx.redirect(`/interaction/${interaction.uid}/sent`);
  });

  // "Thank you": the same page whether or not the address is registered (it shows only what the person typed,
  // masked), read from the identity's newest association so a reload shows it again without sending anything.
  router.get('/sent', async (ctx) => {
    const interaction = await details(deps, ctx);
    const identity = await deps.identities.find(interaction.uid);
    if (!identity) throw new InteractionExpired();
    const newest = await deps.linking.pending.newestOf(identity.issuer, identity.subject);
    const now = deps.linking.now();
    if (newest?.status === 'confirmed') {
      ctx.status = 303;
      return ctx.redirect(`/interaction/${interaction.uid}/continue`);
    }
    if (!newest || newest.status !== 'pending' || newest.expiresAt <= now)
      return associatePage(deps, ctx, interaction, identity);
    const notice =
      typeof ctx.query.notice === 'string' && SENT_NOTICES.has(ctx.query.notice) ? ctx.query.notice : undefined;
    page(deps, ctx, 'association-sent', interaction.params.client_id, {
      titleKey: 'associationSent.title',
      ...supportForm(identity),
      address: maskEmail(newest.enteredEmail),
      lifetime: remainingLifetime(newest.expiresAt, now, String(ctx.state.locale)),
      support: deps.support,
      ...(notice ? { noticeKey: `associationSent.notice.${notice}` } : {}),
    });
  });

  // "Didn't get it? Send it again": the same address, within the same limits; refused by the limits or asked
  // too soon, nothing is sent and the page says so while the earlier link keeps working.
  router.post('/resend', async (ctx) => {
    const interaction = await details(deps, ctx);
    const identity = await deps.identities.find(interaction.uid);
    if (!identity) throw new InteractionExpired();
    const outcome = await resendAssociation(deps.linking, {
      identity,
      clientId: String(interaction.params.client_id ?? '') || null,
      interactionUid: interaction.uid,
      origin: { ip: ctx.ip, locale: ctx.state.locale },
    });
    if (outcome === 'nothing-pending') return associatePage(deps, ctx, interaction, identity);
    if (outcome === 'resent') deps.metrics?.associations.inc({ step: 'requested' });
    ctx.status = 303;
    ctx.redirect(`/interaction/${interaction.uid}/sent?notice=${outcome}`);
  });
}

/** Consent, and the two ways a sign-in ends without a login: refused upstream, or cancelled here. */
function endingRoutes(router: Router, deps: Deps): void {
  router.post('/consent', async (ctx) => grantConsent(deps, ctx, await details(deps, ctx)));

  // Where the upstream callback sends a sign-in cancelled or refused upstream: the portal receives access_denied.
  router.get('/upstream-denied', async (ctx) => {
    const interaction = await details(deps, ctx);
    if (interaction.prompt.name !== 'login') throw new InteractionExpired();
    await finish(deps, ctx, interaction, {
      error: 'access_denied',
      error_description: 'The sign-in at the identity deps.provider was cancelled or refused',
    });
  });

  router.post('/abort', async (ctx) => {
    const interaction = await details(deps, ctx);
    const description =
      interaction.prompt.name === 'entitlement'
        ? 'the account lacks a plan this client requires'
        : 'The user cancelled the sign-in';
    await finish(deps, ctx, interaction, { error: 'access_denied', error_description: description });
  });
}

async function details(deps: Deps, ctx: Context) {
  try {
    const interaction = await deps.provider.interactionDetails(ctx.req, ctx.res);
    if (interaction.uid !== ctx.params.uid) throw new InteractionExpired();
    // The portal's `ui_locales` wins over the browser's languages for every page of this sign-in.
    ctx.state.locale = localeFor(ctx, deps.views.translator, interaction.params.ui_locales);
    ctx.state.portal = deps.portals.get(interaction.params.client_id);
    return interaction;
  } catch (error) {
    if (error instanceof BrokerError) throw error;
    throw new InteractionExpired();
  }
}

// What deps.provider.interactionResult does, on the interaction `details` already read and checked for this browser:
// reading it again from its cookie would cost a Redis round trip and a signed-cookie check more.
async function finish(
  deps: Deps,
  ctx: Context,
  interaction: Interaction,
  result: Parameters<Provider['interactionResult']>[2],
) {
  interaction.result = result;
  await interaction.save(Math.max(1, interaction.exp - Math.floor(Date.now() / 1000)));
  ctx.status = 303;
  ctx.redirect(interaction.returnTo);
}

async function goUpstream(
  deps: Deps,
  ctx: Context,
  upstreamId: string,
  interaction: Interaction,
  fresh: { maxAge?: number } = {},
) {
  const upstream = await startInteractionLogin(ctx, deps.federation, upstreamId, interaction, fresh);
  ctx.status = 303;
  ctx.redirect(upstream.href);
}

function page(deps: Deps, ctx: Context, name: string, clientId: unknown, data: Record<string, unknown> = {}) {
  renderPage(ctx, deps.views, name, { clientName: deps.portals.get(clientId)?.name, uid: ctx.params.uid, ...data });
}

const requirementOf = (deps: Deps, interaction: Interaction) =>
  deps.portals.get(interaction.params.client_id)?.requires;

/** The decision's next step as a page or a redirect. */
async function takeStep(
  deps: Deps,
  ctx: Context,
  interaction: Interaction,
  identity: UpstreamIdentity,
  step: SignInStep,
) {
  switch (step.kind) {
    case 'associate':
      return associatePage(deps, ctx, interaction, identity);
    case 'refuse':
      throw new AccountDisabled(deps.support);
    case 'chooseAccount':
      return choosePage(deps, ctx, interaction, step.accounts);
    case 'finish':
      await deps.identities.forget(interaction.uid);
      return finish(deps, ctx, interaction, step.result);
  }
}

/**
 * "Sign in to PartnerSource for: …": the accounts the person acts for, those the portal's `requires` rules out
 * shown as unavailable with the plan it needs, and a way to add one more account.
 */
function choosePage(deps: Deps, ctx: Context, interaction: Interaction, accounts: readonly AccountChoice[]) {
  const portal = deps.portals.get(interaction.params.client_id);
  page(deps, ctx, 'choose-account', interaction.params.client_id, {
    titleKey: 'chooseAccount.title',
    accounts,
    requiredPlans: portal?.requires
      ? planList(portal.requires.plans, String(ctx.state.locale), deps.views.translator)
      : undefined,
  });
}

/** The chosen account lacks the portal's plan: what is missing, for which account, whom to ask, and the way back. */
function entitlementPage(deps: Deps, ctx: Context, interaction: Interaction, identity: UpstreamIdentity | undefined) {
  const details = interaction.prompt.details as {
    requiredPlans?: string[];
    accountName?: string;
    customerNumber?: string;
  };
  page(deps, ctx, 'entitlement-missing', interaction.params.client_id, {
    titleKey: 'entitlementMissing.title',
    plans: planList(details.requiredPlans ?? [], String(ctx.state.locale), deps.views.translator),
    accountName: details.accountName,
    customerNumber: details.customerNumber,
    support: deps.support,
    // The account is known here: support reads which one without asking. The sign-in's address is known only
    // when the page follows the sign-in itself (the broker keeps no upstream address of a linked person).
    ...(identity ? { ...supportForm(identity), supportCustomer: details.customerNumber } : {}),
  });
}

/** "Ask support" on a page: shown with the sign-in's own address filled in as where to answer. */
const supportForm = (identity: UpstreamIdentity) => ({ askSupport: true, supportReplyTo: identity.email });
/**
 * The sign-in of this interaction, or, for a prompt within a session (the portal's second request), the newest
 * sign-in of the session's person, kept for the interaction so that its forms (association, Ask support) find it.
 */
async function signInOf(deps: Deps, interaction: Interaction): Promise<UpstreamIdentity | undefined> {
  const kept = await deps.identities.find(interaction.uid);
  if (kept) return kept;
  const personId = idOf(interaction.session?.accountId);
  const [latest] = personId ? await deps.directory.identitiesOf(personId) : [];
  if (!latest) return undefined;
  const identity = { upstreamId: latest.upstreamId, issuer: latest.issuer, subject: latest.subject };
  await deps.identities.save(interaction.uid, identity);
  return identity;
}

/**
 * "Associate your account", saying who is signing in (the masked address or the name the upstream gave, shown as
 * data) with a way to use another sign-in, and the plan the portal requires, before the person makes the effort.
 */
function associatePage(
  deps: Deps,
  ctx: Context,
  interaction: Interaction,
  identity: UpstreamIdentity,
  data: Record<string, unknown> = {},
) {
  const clientId = interaction.params.client_id;
  const requires = deps.portals.get(clientId)?.requires;
  page(deps, ctx, 'associate', clientId, {
    titleKey: 'associate.title',
    support: deps.support,
    ...supportForm(identity),
    signInName: signInNameOf(identity) || undefined,
    upstreamName: deps.linking.upstreamName(identity.upstreamId),
    ...(requires ? { requiredPlans: planList(requires.plans, String(ctx.state.locale), deps.views.translator) } : {}),
    ...data,
  });
}

async function grantConsent(deps: Deps, ctx: Context, interaction: Interaction) {
  if (interaction.prompt.name !== 'consent' || !interaction.session?.accountId) throw new InteractionExpired();
  const grant = interaction.grantId
    ? await deps.provider.Grant.find(interaction.grantId)
    : new deps.provider.Grant({
        accountId: interaction.session.accountId,
        clientId: String(interaction.params.client_id),
      });
  if (!grant) throw new InteractionExpired();
  const missing = interaction.prompt.details.missingOIDCScope as string[] | undefined;
  if (missing) grant.addOIDCScope(missing.join(' '));
  await finish(deps, ctx, interaction, { consent: { grantId: await grant.save() } });
}
