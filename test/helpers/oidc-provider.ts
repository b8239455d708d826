/**
 * A real OpenID provider (panva's certified oidc-provider) on a loopback port, for single sign-on tests.
 * Its login page is a plain form (any known email signs in, no password); consent is granted at once.
 * `tamperIdToken` rewrites the ID token the token endpoint returns (re-signed with the provider's own
 * key), so tests can hand Berth a wrong nonce, a wrong audience or an expired token from a real exchange.
 */
import { createPrivateKey, createSign, generateKeyPairSync } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';

export interface TestIdentity {
  email: string;
  emailVerified: boolean;
  groups: string[];
}

export interface TestProvider {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** Known people, by email (the account id). */
  identities: Map<string, TestIdentity>;
  /** Set to rewrite the next ID tokens' claims; undefined leaves them as issued. */
  tamperIdToken: ((claims: Record<string, unknown>) => Record<string, unknown>) | undefined;
  close(): Promise<void>;
}

const b64url = (value: Buffer | string) => Buffer.from(value).toString('base64url');

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export async function startTestProvider(redirectUri: string): Promise<TestProvider> {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = { ...privateKey.export({ format: 'jwk' }), kid: 'test-key', alg: 'RS256', use: 'sig' };
  const signingKey = createPrivateKey({ key: jwk as never, format: 'jwk' });
  const identities = new Map<string, TestIdentity>();
  let handler: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => res.end();
  const server: Server = createServer((req, res) => handler(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const clientId = 'berth';
  const clientSecret = 'berth-client-secret-for-tests-only';

  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: [redirectUri],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    jwks: { keys: [jwk as never] },
    cookies: { keys: ['oidc-test-cookie-key'] },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['groups'] },
    features: { devInteractions: { enabled: false } },
    pkce: { required: () => true },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    findAccount: async (_ctx, id) => {
      const identity = identities.get(id);
      if (!identity) return undefined;
      return {
        accountId: id,
        claims: async () => ({
          sub: id,
          email: identity.email,
          email_verified: identity.emailVerified,
          groups: identity.groups,
        }),
      };
    },
    loadExistingGrant: async (ctx) => {
      const oidc = ctx.oidc;
      const grant = new oidc.provider.Grant({ clientId: oidc.client!.clientId, accountId: oidc.session!.accountId! });
      grant.addOIDCScope('openid email profile');
      grant.addOIDCClaims(['email', 'email_verified', 'groups']);
      await grant.save();
      return grant;
    },
  });
  const callback = provider.callback();

  const test: TestProvider = {
    issuer,
    clientId,
    clientSecret,
    identities,
    tamperIdToken: undefined,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };

  const resign = (token: string): string => {
    const [header, payload] = token.split('.');
    const claims = test.tamperIdToken!(JSON.parse(Buffer.from(payload!, 'base64url').toString('utf8')));
    const body = `${header}.${b64url(JSON.stringify(claims))}`;
    return `${body}.${b64url(createSign('RSA-SHA256').update(body).sign(signingKey))}`;
  };

  handler = (req, res) => {
    const url = req.url ?? '/';
    const interaction = /^\/interaction\/([\w-]+)(\/login)?$/.exec(url.split('?')[0]!);
    if (interaction && req.method === 'GET') {
      res.setHeader('content-type', 'text/html; charset=utf-8');
      res.end(
        `<!doctype html><title>Test IdP</title><h1>Test identity provider</h1>` +
          `<form method="post" action="/interaction/${interaction[1]}/login">` +
          `<label>Email <input name="login" type="email"></label><button type="submit">Sign in</button></form>`,
      );
      return;
    }
    if (interaction && req.method === 'POST') {
      readBody(req).then(
        async (body) => {
          const login = new URLSearchParams(body).get('login') ?? '';
          await provider.interactionFinished(
            req,
            res,
            { login: { accountId: login } },
            { mergeWithLastSubmission: false },
          );
        },
        () => res.end(),
      );
      return;
    }
    if (url.startsWith('/token') && test.tamperIdToken) {
      const end = res.end.bind(res) as (chunk?: unknown) => ServerResponse;
      res.end = ((chunk?: unknown) => {
        const json = JSON.parse(String(chunk)) as { id_token?: string };
        if (json.id_token) json.id_token = resign(json.id_token);
        const text = JSON.stringify(json);
        res.setHeader('content-length', Buffer.byteLength(text));
        return end(text);
      }) as typeof res.end;
    }
    callback(req, res);
  };
  return test;
}

/**
 * Walks the provider's side of a sign-in as a browser would, without one: from Berth's redirect to the
 * provider, through its login form, to the URL the provider sends the browser back to (Berth's callback).
 */
export async function signInAtProvider(authorizationUrl: string, email: string): Promise<URL> {
  const jar = new Map<string, string>();
  const cookie = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
  const keep = (res: Response) => {
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const [name, ...value] = pair!.split('=');
      jar.set(name!.trim(), value.join('='));
    }
  };
  let url = new URL(authorizationUrl);
  const origin = url.origin;
  for (let hop = 0; hop < 10; hop++) {
    if (url.origin !== origin) return url;
    let res: Response;
    if (url.pathname.startsWith('/interaction/')) {
      res = await fetch(new URL(`${url.pathname}/login`, origin), {
        method: 'POST',
        redirect: 'manual',
        headers: { cookie: cookie(), 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ login: email }).toString(),
      });
    } else {
      res = await fetch(url, { redirect: 'manual', headers: { cookie: cookie() } });
    }
    keep(res);
    const location = res.headers.get('location');
    if (!location) throw new Error(`the provider stopped at ${url.href} with ${res.status}: ${await res.text()}`);
    url = new URL(location, url);
  }
  throw new Error('too many redirects at the provider');
}
