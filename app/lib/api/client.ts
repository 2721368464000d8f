import { isErrorBody, type ErrorCode } from '$shared/errors.ts';
import { session } from '$lib/session.svelte.ts';

/** An error answer from the API (or a failure to reach it), with the server's stable code. */
export class ApiError extends Error {
  readonly code: ErrorCode | 'network_error';
  readonly status: number;
  readonly details: unknown;

  constructor(code: ErrorCode | 'network_error', message: string, status: number, details?: unknown) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.status = status;
    this.details = details;
  }
}

/**
 * Whether `caught` is the server's answer that this may not be read (signed out, no longer allowed,
 * gone), rather than a failure to get one: a page drops what it shows for such an answer, and keeps
 * it, saying the refresh failed, for anything else.
 */
export function isRefusal(caught: unknown): caught is ApiError {
  return caught instanceof ApiError && [401, 403, 404].includes(caught.status);
}

type QueryValue = string | number | null | undefined;
type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

function withQuery(path: string, query?: Record<string, QueryValue>): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === '') continue;
    params.set(key, String(value));
  }
  const search = params.toString();
  return search ? `${path}?${search}` : path;
}

async function readJson(response: Response): Promise<unknown> {
  const text = await response.text();
  if (!text) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}

function toApiError(response: Response, body: unknown): ApiError {
  const error = typeof body === 'object' && body !== null ? (body as { error?: unknown }).error : undefined;
  if (isErrorBody(error)) return new ApiError(error.code, error.message, response.status, error.details);
  const code: ErrorCode = response.status === 401 ? 'unauthenticated' : response.status >= 500 ? 'internal' : 'bad_request';
  return new ApiError(code, `The server answered ${response.status} ${response.statusText}.`, response.status);
}

async function request<T>(method: Method, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (method !== 'GET') {
    headers['Content-Type'] = 'application/json';
    if (session.csrfToken) headers['X-CSRF-Token'] = session.csrfToken;
  }
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      body: method === 'GET' ? undefined : JSON.stringify(body ?? {}),
    });
  } catch {
    throw new ApiError('network_error', 'Cannot reach the server. Check your connection and try again.', 0);
  }
  const parsed = await readJson(response);
  if (!response.ok) throw toApiError(response, parsed);
  return parsed as T;
}

/** The typed API client: same origin, JSON, cookie session, CSRF header on every write. */
export const api = {
  get: <T>(path: string, query?: Record<string, QueryValue>) => request<T>('GET', withQuery(path, query)),
  post: <T>(path: string, body?: unknown) => request<T>('POST', path, body),
  put: <T>(path: string, body?: unknown) => request<T>('PUT', path, body),
  patch: <T>(path: string, body?: unknown) => request<T>('PATCH', path, body),
  delete: <T>(path: string) => request<T>('DELETE', path),
};
