import type { SessionResponse } from '../../shared/schemas/auth.ts';
import { TEST_PASSWORD } from './factories.ts';

export interface ApiResponse<T = unknown> {
  status: number;
  body: T;
  headers: Headers;
}

/** A browser-like API client: keeps the cookies it is given and sends the CSRF token. */
export class ApiClient {
  readonly baseUrl: string;
  /** The session cookie, `name=value`. */
  cookie = '';
  /** Any other cookies it was given (the device cookie), by name. */
  readonly otherCookies = new Map<string, string>();
  csrfToken = '';

  constructor(baseUrl: string) {
    this.baseUrl = baseUrl;
  }

  async request<T = Record<string, unknown>>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiResponse<T>> {
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(this.cookieHeader() ? { cookie: this.cookieHeader() } : {}),
        ...(this.csrfToken && method !== 'GET' ? { 'x-csrf-token': this.csrfToken } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    for (const setCookie of response.headers.getSetCookie()) {
      const pair = setCookie.split(';')[0] ?? '';
      const name = pair.slice(0, pair.indexOf('='));
      if (name.endsWith('quorum_session')) this.cookie = pair;
      else if (/;\s*Max-Age=0/i.test(setCookie)) this.otherCookies.delete(name);
      else this.otherCookies.set(name, pair);
    }
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : null) as T, headers: response.headers };
  }

  private cookieHeader(): string {
    return [this.cookie, ...this.otherCookies.values()].filter(Boolean).join('; ');
  }

  get<T = Record<string, unknown>>(path: string) {
    return this.request<T>('GET', path);
  }

  post<T = Record<string, unknown>>(path: string, body: unknown = {}, headers?: Record<string, string>) {
    return this.request<T>('POST', path, body, headers);
  }

  async login(email: string, password = TEST_PASSWORD): Promise<ApiResponse<SessionResponse>> {
    const response = await this.post<SessionResponse>('/api/auth/login', { email, password });
    if (response.status === 200) this.csrfToken = response.body.csrfToken;
    return response;
  }
}

/** Signs in a new client as `email`, failing loudly if that does not work. */
export async function signedIn(baseUrl: string, email: string, password?: string): Promise<ApiClient> {
  const client = new ApiClient(baseUrl);
  const response = await client.login(email, password);
  if (response.status !== 200) throw new Error(`login as ${email} failed: ${JSON.stringify(response.body)}`);
  return client;
}
