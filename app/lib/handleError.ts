import { goto } from '$app/navigation';
import { resolve } from '$app/paths';
import { ApiError } from '$lib/api/client.ts';
import { closeSocket } from '$lib/realtime/socket.ts';
import { session } from '$lib/session.svelte.ts';

interface FieldProblem {
  path?: unknown;
  message?: unknown;
}

function isFieldProblem(value: unknown): value is FieldProblem {
  return typeof value === 'object' && value !== null && typeof (value as FieldProblem).message === 'string';
}

/**
 * The one UI error handler: turns anything thrown into a message for the user. An ended session
 * sends the browser to /login.
 */
export function handleError(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.code === 'unauthenticated') {
      closeSocket();
      session.clear();
      void goto(resolve('/login'));
    }
    return error.message;
  }
  console.error(error);
  return 'Something went wrong in the console. Reload the page and try again.';
}

/** Extra lines worth showing under the message: the fields a validation refused, the retry time. */
export function errorDetails(error: unknown): string[] {
  if (!(error instanceof ApiError)) return [];
  const { details } = error;
  if (error.code === 'rate_limited' && typeof details === 'object' && details !== null) {
    const seconds = (details as { retryAfterSeconds?: unknown }).retryAfterSeconds;
    if (typeof seconds === 'number') return [`You can try again in ${Math.ceil(seconds)} seconds.`];
  }
  // Guard failures are already named in the message of an invalid_transition; only fields are listed.
  if (!Array.isArray(details)) return [];
  return details.filter(isFieldProblem).map((problem) => {
    const path = typeof problem.path === 'string' && problem.path ? `${problem.path}: ` : '';
    return `${path}${String(problem.message)}`;
  });
}
