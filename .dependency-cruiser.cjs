// Dependencies point inward (docs/architecture.md, "The layer picture"): the composition root (broker.ts, main.ts, and
// the parts broker.ts assembles in composition/) may use everything;
// http and admin translate HTTP into calls of the flows (linking, upstream, provider, sign-in, support-requests);
// flows use the repositories of
// accounts, mail, audit and events (webhooks); those use store; config, errors, i18n, log, metrics, security, tracing and web (page
// rendering, forms, CSRF, locale) are leaves anyone may use; process/ (the workers' supervisor) is main.ts's alone.
// `npm test` runs this check; a cycle or an outward import fails it.
const OUTER = '^src/(http|admin)/';
const FLOWS = '^src/(linking|upstream|provider|sign-in|support-requests)/';
const DOMAIN = '^src/(accounts|mail|audit|events)/';
const STORE = '^src/store/';
const LEAVES = '^src/(config|errors|i18n|log|metrics|security|tracing|web)/';

/** Each collection's model, and the one module (with the migration, for the first model's shapes) that loads it. */
const COLLECTION_OWNERS = {
  '^src/accounts/(account|contact|identity|membership|person)-model[.]ts$':
    '^src/accounts/(people-store|people-records|membership-links|account-store|organisation-migration|(account|contact|identity|membership|person)-model)[.]ts$',
  '^src/linking/pending-association-model[.]ts$': '^src/linking/pending-association(s|-model)[.]ts$',
  '^src/mail/outbox-model[.]ts$': '^src/mail/outbox(-model|-claims)?[.]ts$',
  '^src/mail/(outbox-claims|mail-retries)[.]ts$': '^src/mail/outbox[.]ts$',
  '^src/audit/audit-event-model[.]ts$': '^src/audit/audit-(log|event-model)[.]ts$',
  '^src/support-requests/support-request-model[.]ts$': '^src/support-requests/support-request(s|-model)[.]ts$',
  '^src/events/webhook-delivery-model[.]ts$': '^src/events/webhook-delivery-(store|model)[.]ts$',
};

const forbid = (name, from, to, comment, fromNot) => ({
  name,
  severity: 'error',
  comment,
  from: { path: from, ...(fromNot ? { pathNot: fromNot } : {}) },
  to: { path: to },
});

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'Cycles make layers meaningless.',
      from: {},
      to: { circular: true },
    },
    forbid(
      'no-composition-root-imports',
      '^src/',
      '^src/(broker|main)[.]ts$',
      'Only main.ts, tests and scripts build the broker.',
      '^src/main[.]ts$',
    ),
    forbid(
      'composition-from-the-root-only',
      '^src/',
      '^src/composition/',
      'The parts of the composition root are assembled by broker.ts alone.',
      '^src/(broker[.]ts$|composition/)',
    ),
    forbid(
      'process-from-main-only',
      '^src/',
      '^src/process/',
      'process/ forks and supervises workers: only main.ts starts it.',
      '^src/(main[.]ts$|process/)',
    ),
    forbid(
      'process-uses-leaves-only',
      '^src/process/',
      `${OUTER}|${FLOWS}|${DOMAIN}|${STORE}`,
      'The supervisor runs no broker part: it forks the workers that do.',
    ),
    // One owner per collection: a model's module (its schema and its stored record type) is imported only by the
    // MongoDB implementation of the repository that owns the collection (and the migration, which reads old shapes);
    // everything else sees the plain types the repository hands out (people.ts, pending-association.ts, ...).
    ...Object.entries(COLLECTION_OWNERS).map(([model, owners]) => ({
      name: `one-owner:${model.replace(/^.*\//, '')}`,
      severity: 'error',
      comment: `Only ${owners} use this collection's model; go through the repository.`,
      from: { path: '^src/', pathNot: owners },
      to: { path: model },
    })),
    forbid('no-test-or-demo-parties', '^src/', '^(test|scripts|tools)/', 'Demo and test parties are not product code.'),
    forbid('flows-not-outward', FLOWS, OUTER, 'Flows never know HTTP (routes translate, flows decide).'),
    forbid(
      'domain-not-outward',
      DOMAIN,
      `${OUTER}|${FLOWS}`,
      'Accounts, mail, audit and events serve the flows, not the reverse.',
    ),
    forbid('store-not-outward', STORE, `${OUTER}|${FLOWS}|${DOMAIN}`, 'The store layer knows no feature.'),
    forbid(
      'leaves-stay-leaves',
      LEAVES,
      `${OUTER}|${FLOWS}|${DOMAIN}|${STORE}`,
      'Shared leaves depend on nothing of ours but other leaves.',
    ),
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '^(node_modules|dist)/' },
  },
};
