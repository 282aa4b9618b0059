import type { ErrorRequestHandler, Request, RequestHandler, Response, NextFunction } from 'express';
import { ErrorTypes, type OgcException } from '@hysope/api';
import { ConflictError, NotFoundError, ValidationError } from '../errors.js';

/** Wraps an async handler so a rejection reaches the error middleware (once, here, not in every route). */
export function asyncHandler(fn: (req: Request, res: Response, next: NextFunction) => Promise<unknown>): RequestHandler {
  return (req, res, next) => {
    fn(req, res, next).catch(next);
  };
}

/** Sends the one error shape (OGC exception JSON). */
export function sendException(res: Response, status: number, type: string, title: string, detail: string, instance?: string): void {
  const body: OgcException = { type, title, status, detail, ...(instance ? { instance } : {}) };
  res.status(status).type('application/problem+json').send(JSON.stringify(body));
}

/** Catch-all 404 for routes that do not exist. */
export const notFoundHandler: RequestHandler = (req, res) => {
  sendException(res, 404, ErrorTypes.notFound, 'Not Found', `no resource at ${req.method} ${req.path}`, req.originalUrl);
};

/** Maps domain errors to HTTP: validation 400, not found 404, conflict 409, everything else 500. */
export function errorHandler(log: { error: (obj: object, msg: string) => void }): ErrorRequestHandler {
  return (error, req, res, _next) => {
    if (res.headersSent) return;
    if (error instanceof ValidationError) return sendException(res, 400, ErrorTypes.validation, 'Bad Request', error.message, req.originalUrl);
    if (error instanceof NotFoundError) return sendException(res, 404, ErrorTypes.notFound, 'Not Found', error.message, req.originalUrl);
    if (error instanceof ConflictError) return sendException(res, 409, ErrorTypes.conflict, 'Conflict', error.message, req.originalUrl);
    const status = (error as { status?: number; statusCode?: number }).status ?? (error as { statusCode?: number }).statusCode;
    if ((error as { type?: string }).type === 'entity.parse.failed') {
      return sendException(res, 400, ErrorTypes.validation, 'Bad Request', `the request body is not valid JSON: ${(error as Error).message}`, req.originalUrl);
    }
    if (status === 416)
      return sendException(
        res,
        416,
        ErrorTypes.rangeNotSatisfiable,
        'Range Not Satisfiable',
        'the requested range is beyond the end of the file',
        req.originalUrl
      );
    if (status && status >= 400 && status < 500)
      return sendException(res, status, ErrorTypes.validation, 'Bad Request', (error as Error).message, req.originalUrl);
    log.error({ err: error, url: req.originalUrl }, 'request failed');
    sendException(res, 500, ErrorTypes.internal, 'Internal Server Error', 'the gateway failed to answer; the error is in its log', req.originalUrl);
  };
}
