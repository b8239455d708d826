/** A tiny cookie-keeping client over app.inject(), so HTTP tests can walk the panel like a browser. */
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';

export class InjectClient {
  private cookies = new Map<string, string>();

  constructor(
    private readonly app: FastifyInstance,
    private readonly ip = '127.0.0.1',
  ) {}

  async get(url: string, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
    return this.send('GET', url, undefined, headers);
  }

  /** Posts a urlencoded form, as a browser would. */
  async postForm(
    url: string,
    fields: Record<string, string>,
    headers: Record<string, string> = {},
  ): Promise<LightMyRequestResponse> {
    return this.send('POST', url, new URLSearchParams(fields).toString(), {
      'content-type': 'application/x-www-form-urlencoded',
      ...headers,
    });
  }

  /** Posts JSON as the panel's scripts do (a CSRF token goes in the x-csrf-token header). */
  async postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
    return this.send('POST', url, JSON.stringify(body), {
      'content-type': 'application/json',
      accept: 'application/json',
      ...headers,
    });
  }

  /** GETs a page and returns the CSRF token from its first form. */
  async csrfFrom(url: string): Promise<string> {
    const page = await this.get(url);
    return csrfTokenOf(page.body);
  }

  cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  private async send(
    method: 'GET' | 'POST',
    url: string,
    payload: string | undefined,
    headers: Record<string, string>,
  ) {
    const response = await this.app.inject({
      method,
      url,
      payload,
      remoteAddress: this.ip,
      headers: { accept: 'text/html', ...(this.cookies.size ? { cookie: this.cookieHeader() } : {}), ...headers },
    });
    for (const cookie of response.cookies as Array<{ name: string; value: string; expires?: Date; maxAge?: number }>) {
      const isExpired = (cookie.expires && cookie.expires.getTime() < Date.now()) || cookie.maxAge === 0;
      if (isExpired) this.cookies.delete(cookie.name);
      else this.cookies.set(cookie.name, cookie.value);
    }
    return response;
  }
}

export function csrfTokenOf(html: string): string {
  const match = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!match) throw new Error(`no CSRF token in page:\n${html.slice(0, 500)}`);
  return match[1]!;
}
