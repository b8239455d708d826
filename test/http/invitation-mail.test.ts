/**
 * Invitations by email: without SMTP the Members page says so and shows the link only; with a server-wide
 * email channel the link is mailed through a real SMTP server (smtp-server, loopback) by the oldest one,
 * the mailed link is accepted at /invite, the API does the same, and an SMTP refusal is shown in words while
 * the invitation stays (its link shown once). Every mailing is audited as invitation.email.
 */
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { SMTPServer } from 'smtp-server';
import { createTestApp, type TestApp } from '../helpers/http-app.js';
import { InjectClient, csrfTokenOf } from '../helpers/inject-client.js';
import { startSmtpReceiver, type SmtpReceiver } from '../helpers/alert-receivers.js';
import { PASSWORD, seedTeam, signIn, token, type Team } from '../helpers/team-fixture.js';

/** An SMTP server that refuses every recipient, as a real relay refuses a mailbox it does not know. */
async function startRefusingSmtp(): Promise<{ port: number; close(): Promise<void> }> {
  const server = new SMTPServer({
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onRcptTo(address, _session, callback) {
      callback(Object.assign(new Error(`Mailbox ${address.address} unknown`), { responseCode: 550 }));
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const linkOf = (body: string) => /id="new-invitation-link">([^<]+)</.exec(body)?.[1];
/** The body as the reader sees it: quoted-printable soft breaks joined, =XX escapes decoded. */
const decoded = (raw: string) =>
  raw.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
const linkInMail = (raw: string) => /(https?:\/\/\S+\/invite\?token=inv_[A-Za-z0-9_-]{43})/.exec(decoded(raw))?.[1];

describe('invitations by email', () => {
  let t: TestApp;
  let team: Team;
  let owner: InjectClient;
  let csrf: string;
  let smtp: SmtpReceiver;
  let other: SmtpReceiver;

  before(async () => {
    // The SMTP servers are on loopback: private destinations must be allowed, as for alert channels.
    t = await createTestApp({ env: { BERTH_ALLOW_PRIVATE_SOURCES: 'true' } });
    team = await seedTeam(t);
    owner = await signIn(t, 'owner@example.com');
    csrf = await owner.csrfFrom('/members');
    smtp = await startSmtpReceiver();
    other = await startSmtpReceiver();
  });
  after(async () => {
    await smtp.close();
    await other.close();
    await t.close();
  });

  const mailEvents = async () =>
    (await t.ctx.audit.list({}, { limit: 200, offset: 0 })).events.filter((e) => e.action === 'invitation.email');

  const emailChannel = (name: string, port: number, extra: Record<string, unknown> = {}) =>
    t.ctx.alerts!.channels.create({
      name,
      kind: 'email',
      host: '127.0.0.1',
      port,
      security: 'none',
      username: 'berth',
      secret: 'smtp-password-123',
      from: 'berth@example.com',
      to: ['ops@example.com'],
      ...extra,
    });

  it('without SMTP: the page says email is not configured, and the link is shown, not mailed', async () => {
    const page = await owner.get('/members');
    assert.match(page.body, /id="invite-mail-state"[^>]*>Email is not configured/);
    const created = await owner.postForm('/members/invitations', {
      _csrf: csrf,
      email: 'nosmtp@example.com',
      [`grant_${team.alpha}`]: 'viewer',
    });
    assert.equal(created.statusCode, 200, created.body.slice(0, 500));
    assert.ok(linkOf(created.body));
    assert.match(created.body, /id="invitation-not-mailed"[^>]*>Not mailed: email is not configured/);
    assert.equal(smtp.mails.length + other.mails.length, 0);
  });

  it('with SMTP: mails the link through the oldest server-wide email channel; the mailed link is accepted', async () => {
    // A project's email channel is not the server's; a disabled one is not used; the oldest enabled server one is.
    await emailChannel('project mail', other.port, { projectId: team.alpha });
    const disabled = await emailChannel('old disabled', other.port);
    await t.ctx.alerts!.channels.setEnabled(disabled.channel.id, false);
    await emailChannel('server mail', smtp.port);
    await emailChannel('newer server mail', other.port);

    const page = await owner.get('/members');
    assert.match(page.body, /id="invite-mail-state"[^>]*>With an email address, the link is also mailed/);
    const created = await owner.postForm('/members/invitations', {
      _csrf: csrf,
      email: 'Mailed@Example.com',
      [`grant_${team.alpha}`]: 'developer',
    });
    assert.equal(created.statusCode, 200, created.body.slice(0, 500));
    assert.match(
      created.body,
      /id="invitation-mailed"[^>]*><strong>Invitation created and mailed to mailed@example\.com/,
    );
    const shown = linkOf(created.body);
    assert.ok(shown, 'the link is still shown once');

    const [mail] = await smtp.waitFor(1);
    assert.deepEqual(mail!.to, ['mailed@example.com'], 'to the invited address, not the channel recipients');
    assert.equal(mail!.from, 'berth@example.com');
    assert.equal(mail!.password, 'smtp-password-123', 'with the channel’s stored SMTP password');
    assert.match(mail!.raw, /Subject: You are invited to Berth/);
    assert.equal(other.mails.length, 0, 'no other channel carried it');
    const mailed = linkInMail(mail!.raw);
    assert.equal(mailed, shown);

    const url = new URL(mailed!);
    const browser = new InjectClient(t.app, '10.40.0.1');
    const invitePage = await browser.get(url.pathname + url.search);
    assert.equal(invitePage.statusCode, 200);
    const accepted = await browser.postForm('/invite', {
      _csrf: csrfTokenOf(invitePage.body),
      token: url.searchParams.get('token')!,
      password: PASSWORD,
    });
    assert.equal(accepted.statusCode, 303, accepted.body.slice(0, 500));
    const member = (await t.ctx.auth.listMembers()).find((m) => m.email === 'mailed@example.com');
    assert.deepEqual(member?.grants, [{ projectId: team.alpha, role: 'developer' }]);

    const [event] = await mailEvents();
    assert.equal(event?.outcome, 'success');
    assert.equal(event?.actor.email, 'owner@example.com');
    assert.equal(event?.object?.name, 'mailed@example.com');
    assert.ok(!JSON.stringify(event).includes(url.searchParams.get('token')!), 'the link is never in the log');
  });

  it('the API mails it too and says so; without an email nothing is mailed', async () => {
    const bearer = await token(t, team.users.owner.id);
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/invitations',
      headers: { authorization: `Bearer ${bearer}` },
      payload: { email: 'api@example.com', serverRole: 'admin' },
    });
    assert.equal(res.statusCode, 201, res.body);
    const body = res.json() as { url: string; mail: { status: string; to: string } };
    assert.deepEqual(body.mail, { status: 'sent', to: 'api@example.com' });
    const mails = await smtp.waitFor(2);
    assert.equal(linkInMail(mails[1]!.raw), body.url);

    const plain = await t.app.inject({
      method: 'POST',
      url: '/api/v1/invitations',
      headers: { authorization: `Bearer ${bearer}` },
      payload: { serverRole: 'admin' },
    });
    assert.equal(plain.statusCode, 201);
    assert.equal((plain.json() as { mail: { status: string } }).mail.status, 'no-address');
    assert.equal(smtp.mails.length, 2);
  });

  it('an SMTP refusal is shown clearly, the invitation stays and its link is shown once; audited as failed', async () => {
    const refusing = await startRefusingSmtp();
    try {
      // Only the oldest server channel is used: point it at the refusing server.
      const oldest = (await t.ctx.alerts!.channels.list()).find((c) => c.name === 'server mail')!;
      await t.ctx.alerts!.channels.update(oldest.id, { port: refusing.port });
      const created = await owner.postForm('/members/invitations', {
        _csrf: csrf,
        email: 'refused@example.com',
        [`grant_${team.beta}`]: 'viewer',
      });
      assert.equal(created.statusCode, 200, created.body.slice(0, 500));
      assert.match(
        created.body,
        /id="invitation-mail-error"[^>]*>The invitation could not be mailed to refused@example\.com: SMTP: [^<]*550[^<]*unknown/,
      );
      const link = linkOf(created.body);
      assert.ok(link, 'the link is shown');
      const listed = await owner.get('/members');
      assert.match(listed.body, /refused@example\.com/, 'the invitation remains open');
      assert.ok(!listed.body.includes(new URL(link!).searchParams.get('token')!), 'and its link is not shown again');
      const failed = (await mailEvents()).find((e) => e.object?.name === 'refused@example.com');
      assert.equal(failed?.outcome, 'failure');
      assert.match(String(failed?.detail), /550/);
      assert.ok(!String(failed?.detail).includes('smtp-password-123'));
    } finally {
      await refusing.close();
    }
  });
});
