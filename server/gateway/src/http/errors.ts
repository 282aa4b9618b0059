import type { ErrorRequestHandler, Request, RequestHandler, Response, NextFunction } from 'express';
import { ErrorTypes, type OgcException } from '@hysope/api';
import { ConflictError, ForbiddenError, NotFoundError, UnauthorizedError, UnavailableError, ValidationError } from '../errors.js';
import { redactUrl } from './redact.js';

/** Wraps an async handler so a rejection reaches the error middleware (once, here, not in every route). */
export function asyncHandler(fn: (req: Request, res: Response, next: NextFunction) => Promise<unknown>): RequestHandler {
  return (req, res, next) => {
    fn(req, res, next).catch(next);
  };
}

/** The one error shape: an OGC exception, with STAC API's `code` and `description` too. */
export function exceptionBody(status: number, type: string, title: string, detail: string, instance?: string): OgcException {
  return { type, title, status, detail, ...(instance ? { instance } : {}), code: title.replace(/[^A-Za-z]/g, ''), description: detail };
}

/** Sends the one error shape. */
export function sendException(res: Response, status: number, type: string, title: string, detail: string, instance?: string): void {
  res
    .status(status)
    .type('application/problem+json')
    .send(JSON.stringify(exceptionBody(status, type, title, detail, instance)));
}

/** Catch-all 404 for routes that do not exist. */
export const notFoundHandler: RequestHandler = (req, res) => {
  sendException(res, 404, ErrorTypes.notFound, 'Not Found', `no resource at ${req.method} ${req.path}`, redactUrl(req.originalUrl));
};

/** Maps domain errors to HTTP: validation 400, not found 404, conflict 409, everything else 500. */
export function errorHandler(log: { error: (obj: object, msg: string) => void }): ErrorRequestHandler {
  return (error, req, res, _next) => {
    if (res.headersSent) {
      // A streamed answer that fails midway: cut it (the client sees a truncated body, never a false end).
      log.error({ err: error, url: redactUrl(req.originalUrl) }, 'response failed after its headers');
      res.destroy();
      return;
    }
    const instance = redactUrl(req.originalUrl);
    if (error instanceof ValidationError) return sendException(res, 400, ErrorTypes.validation, 'Bad Request', error.message, instance);
    if (error instanceof NotFoundError) return sendException(res, 404, error.type ?? ErrorTypes.notFound, 'Not Found', error.message, instance);
    if (error instanceof ConflictError) return sendException(res, 409, ErrorTypes.conflict, 'Conflict', error.message, instance);
    if (error instanceof UnauthorizedError) {
      res.setHeader('WWW-Authenticate', 'Bearer realm="hysope"');
      return sendException(res, 401, ErrorTypes.unauthorized, 'Unauthorized', error.message, instance);
    }
    if (error instanceof ForbiddenError) return sendException(res, 403, ErrorTypes.forbidden, 'Forbidden', error.message, instance);
    if (error instanceof UnavailableError || isStoreOutage(error)) {
      log.error({ err: error, url: instance }, 'a service the gateway needs is unavailable');
      res.setHeader('Retry-After', '5');
      // Our own errors say which service is missing; a driver's error is the store's.
      const detail =
        error instanceof UnavailableError && error.message ? `${error.message}; retry shortly` : 'the catalog store does not answer; retry shortly';
      return sendException(res, 503, ErrorTypes.unavailable, 'Service Unavailable', detail, instance);
    }
    if (isDiskFull(error)) {
      log.error({ err: error, url: instance }, 'data disk full');
      res.setHeader('Retry-After', '60');
      return sendException(
        res,
        503,
        ErrorTypes.unavailable,
        'Service Unavailable',
        'the data disk is full; the operators are alerted (HysopeDiskFilling)',
        instance
      );
    }
    if ((error as { type?: string }).type === 'entity.too.large')
      return sendException(
        res,
        413,
        ErrorTypes.payloadTooLarge,
        'Payload Too Large',
        `the request body is over the limit of ${(error as { limit?: number }).limit} bytes`,
        instance
      );
    const status = (error as { status?: number; statusCode?: number }).status ?? (error as { statusCode?: number }).statusCode;
    if ((error as { type?: string }).type === 'entity.parse.failed') {
      return sendException(res, 400, ErrorTypes.validation, 'Bad Request', `the request body is not valid JSON: ${(error as Error).message}`, instance);
    }
    if (status === 416)
      return sendException(res, 416, ErrorTypes.rangeNotSatisfiable, 'Range Not Satisfiable', 'the requested range is beyond the end of the file', instance);
    if (status && status >= 400 && status < 500) return sendException(res, status, ErrorTypes.validation, 'Bad Request', (error as Error).message, instance);
    log.error({ err: error, url: instance }, 'request failed');
    sendException(res, 500, ErrorTypes.internal, 'Internal Server Error', 'the gateway failed to answer; the error is in its log', instance);
  };
}

/** No space left (or quota exceeded) on the data disk: from Node's fs, or from the embedded database's file system. */
export function isDiskFull(error: unknown): boolean {
  const e = error as { code?: string; name?: string; errno?: number; message?: string } | null;
  if (!e || typeof e !== 'object') return false;
  return (
    e.code === 'ENOSPC' ||
    e.code === 'EDQUOT' ||
    (e.name === 'ErrnoError' && e.errno === 51) ||
    /No space left on device|could not extend file/i.test(e.message ?? '')
  );
}

/** Errors that mean the database is unreachable (connection refused or lost, server shutting down, pool closed). */
export function isStoreOutage(error: unknown): boolean {
  const e = error as { code?: string; message?: string } | null;
  if (!e || typeof e !== 'object') return false;
  if (typeof e.code === 'string' && (/^(ECONNREFUSED|ECONNRESET|ENOTFOUND|EHOSTUNREACH|ETIMEDOUT|EPIPE)$/.test(e.code) || /^(08|57P0)/.test(e.code)))
    return true;
  return /Connection terminated|connection timeout|Client has encountered a connection error|Cannot use a pool after calling end|PGlite is closed/i.test(
    e.message ?? ''
  );
}
