/** Bad input: answered as 400 with what to fix. */
export class ValidationError extends Error {
  override name = 'ValidationError';
}
/** A resource that does not exist (or that the caller may not see): 404. */
export class NotFoundError extends Error {
  override name = 'NotFoundError';
  /** The exception type a standard gives this case (e.g. OGC API - Processes' no-such-job), when it does. */
  constructor(
    message: string,
    readonly type?: string
  ) {
    super(message);
  }
}

/** OGC API - Processes - Part 1 exception types. */
export const PROCESS_EXCEPTIONS = {
  noSuchProcess: 'http://www.opengis.net/def/exceptions/ogcapi-processes-1/1.0/no-such-process',
  noSuchJob: 'http://www.opengis.net/def/exceptions/ogcapi-processes-1/1.0/no-such-job'
} as const;
/** A request that conflicts with the current state: 409. */
export class ConflictError extends Error {
  override name = 'ConflictError';
}
/** A caller that must sign in first: 401. */
export class UnauthorizedError extends Error {
  override name = 'UnauthorizedError';
}
/** A signed-in caller without the right: 403. */
export class ForbiddenError extends Error {
  override name = 'ForbiddenError';
}
/** A part the gateway depends on (the store) does not answer: 503 with Retry-After. */
export class UnavailableError extends Error {
  override name = 'UnavailableError';
}
