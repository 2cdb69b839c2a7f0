import Router from '@koa/router';
import { NotFound } from '../../errors/broker-error.ts';
import type { DevMailbox } from '../../mail/dev-transport.ts';
import type { RenderedMail } from '../../mail/mail-renderer.ts';
import type { MailMessage, OutboxStore } from '../../mail/outbox-store.ts';
import { noStore } from '../../web/no-store.ts';
import type { ViewRenderer } from '../../web/views.ts';

const LIST_LIMIT = 50;

/**
 * The policy of one message's HTML, shown as a mail client shows it: its own inline styles (e-mails carry them in
 * `style` attributes, since mail clients drop style sheets) and images, nothing that runs. `sandbox` makes the
 * document an opaque origin without scripts, forms or plugins even when opened on its own; a person's click on a
 * link may still move the whole tab (`<base target="_top">`), as a link in an e-mail opens the broker's page.
 */
const MESSAGE_POLICY = [
  "default-src 'none'",
  "style-src 'unsafe-inline'",
  'img-src data: https: http://127.0.0.1:* http://localhost:*',
  "frame-ancestors 'self'",
  "form-action 'none'",
  'sandbox allow-top-navigation-by-user-activation',
].join('; ');

function messageDocument(rendered: RenderedMail): string {
  const title = rendered.subject.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
  // The body was rendered by our own mail templates, which escape every value.
  return `<!doctype html>\n<html><head><meta charset="utf-8"><base target="_top"><title>${title}</title></head>\n<body style="margin: 16px;">${rendered.html}</body></html>\n`;
}

/** The copy the dev transport delivered; none while the message is pending, failed or expired (see lastError). */
function deliveredCopy(mailbox: DevMailbox, message: MailMessage): RenderedMail | undefined {
  return message.providerMessageId ? mailbox.find(message.providerMessageId) : undefined;
}

/**
 * Development only (mounted when `mail.transport` is `dev`): the outbox as a mailbox, each message with the copy
 * the dev transport delivered, so the e-mailed link of the association flow can be opened without a mail provider.
 * It shows one-time links to anyone who can reach it, which is why the broker never mounts it with a real transport.
 */
export function devMailboxRoutes(
  outbox: Pick<OutboxStore, 'recent' | 'find'>,
  mailbox: DevMailbox,
  views: ViewRenderer,
): Router {
  const router = new Router({ prefix: '/dev/mailbox' });
  // Pages hold live one-time links.
  router.use(noStore);

  router.get('/', async (ctx) => {
    const messages = (await outbox.recent(LIST_LIMIT)).map((message) => ({
      id: message.id,
      to: message.to,
      subject: deliveredCopy(mailbox, message)?.subject ?? `(${message.template}: not delivered)`,
      status: message.status,
      createdAt: message.createdAt.toISOString(),
    }));
    ctx.type = 'html';
    ctx.body = views.render('dev-mailbox', { title: 'Dev mailbox', messages, locale: views.translator.defaultLocale });
  });

  router.get('/:id', async (ctx) => {
    const message = await outbox.find(ctx.params.id ?? '');
    if (!message) throw new NotFound();
    const rendered = deliveredCopy(mailbox, message);
    ctx.type = 'html';
    // A development tool, not a customer page: English only.
    ctx.body = views.render('dev-mailbox', {
      locale: views.translator.defaultLocale,
      title: rendered?.subject ?? 'Dev mailbox',
      message: {
        id: message.id,
        to: message.to,
        template: message.template,
        status: message.status,
        attempts: message.attempts,
        lastError: message.lastError,
        providerMessageId: message.providerMessageId,
        createdAt: message.createdAt.toISOString(),
        sentAt: message.sentAt?.toISOString() ?? null,
      },
      rendered,
    });
    // The page keeps its strict policy; it only may frame the message's own document (served below).
    const policy = ctx.response.get('Content-Security-Policy');
    if (policy && rendered) ctx.set('Content-Security-Policy', `${policy}; frame-src 'self'`);
  });

  // One message's HTML as a document of its own, for the page's sandboxed frame.
  router.get('/:id/html', async (ctx) => {
    const message = await outbox.find(ctx.params.id ?? '');
    const rendered = message ? deliveredCopy(mailbox, message) : undefined;
    if (!rendered) throw new NotFound();
    ctx.type = 'html';
    ctx.body = messageDocument(rendered);
    ctx.set('Content-Security-Policy', MESSAGE_POLICY);
    ctx.set('X-Frame-Options', 'SAMEORIGIN');
  });

  return router;
}
