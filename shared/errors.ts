/**
 * Error codes are part of the wire contract: REST answers `{ error: { code, message, details } }`
 * and socket acks `{ ok: false, error: { code, message, details } }` with the same codes.
 */
export const errorStatus = {
  validation_failed: 400,
  bad_request: 400,
  unauthenticated: 401,
  invalid_credentials: 401,
  forbidden: 403,
  csrf_invalid: 403,
  not_found: 404,
  conflict: 409,
  invalid_transition: 409,
  already_voted: 409,
  motion_closed: 409,
  recommendation_immutable: 409,
  payload_too_large: 413,
  rate_limited: 429,
  internal: 500,
  unavailable: 503,
} as const;

export type ErrorCode = keyof typeof errorStatus;

/** Whether the same request may succeed if sent again later (the server was busy or could not decide); any other error is an answer. */
export function isTransient(code: string): boolean {
  return code === 'unavailable' || code === 'internal' || code === 'rate_limited';
}

export interface ErrorBody {
  code: ErrorCode;
  message: string;
  details?: unknown;
}

/** An error with a stable machine-readable code, an HTTP status and whether it is worth reporting. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details: unknown;
  readonly report: boolean;

  constructor(code: ErrorCode, message: string, details?: unknown, report = false) {
    super(message);
    this.name = 'AppError';
    this.code = code;
    this.status = errorStatus[code];
    this.details = details;
    this.report = report;
  }

  /** The shape sent to clients. */
  toBody(): ErrorBody {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }
}

/** Factory functions: the only way code makes an AppError. */
export const errors = {
  validation: (details: unknown, message = 'The request is not valid.') =>
    new AppError('validation_failed', message, details),
  badRequest: (message: string, details?: unknown) => new AppError('bad_request', message, details),
  unauthenticated: (message = 'Please sign in.') => new AppError('unauthenticated', message),
  invalidCredentials: () => new AppError('invalid_credentials', 'Email or password is wrong.'),
  forbidden: (message = 'You may not do this.', details?: unknown) =>
    new AppError('forbidden', message, details),
  csrf: (message = 'The request is missing a valid CSRF token.') => new AppError('csrf_invalid', message),
  notFound: (what: string) => new AppError('not_found', `${what} was not found.`),
  conflict: (message: string, details?: unknown) => new AppError('conflict', message, details),
  invalidTransition: (message: string, details?: unknown) =>
    new AppError('invalid_transition', message, details),
  alreadyVoted: () => new AppError('already_voted', 'You have already voted on this motion; a vote cannot be changed.'),
  motionClosed: (status: string) =>
    new AppError('motion_closed', `This motion is ${status}: it no longer takes votes.`, { status }),
  recommendationImmutable: () =>
    new AppError(
      'recommendation_immutable',
      'A published recommendation cannot be changed: publish a new version (re-review) or revoke it.',
    ),
  tooLarge: (message = 'The payload is too large.') => new AppError('payload_too_large', message),
  rateLimited: (retryAfterSeconds: number) =>
    new AppError('rate_limited', 'Too many attempts. Try again later.', { retryAfterSeconds }),
  internal: () => new AppError('internal', 'Something went wrong on our side.', undefined, true),
  unavailable: (message: string, details?: unknown) => new AppError('unavailable', message, details, true),
  /** The server is busy with others' requests (not a fault to report): the same request may be sent again after `retryAfterSeconds`. */
  busy: (message: string, retryAfterSeconds: number) => new AppError('unavailable', message, { retryAfterSeconds }),
};

/** True when a value looks like the error body the server sends. */
export function isErrorBody(value: unknown): value is ErrorBody {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { code?: unknown }).code === 'string' &&
    typeof (value as { message?: unknown }).message === 'string'
  );
}
