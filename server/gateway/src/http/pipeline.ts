import { randomUUID } from 'node:crypto';
import express, { Router, type Request } from 'express';
import type { Logger } from 'pino';
import { redactUrl } from '../auth/middleware.js';
import type { Config } from '../config.js';
import { ValidationError } from '../errors.js';
import { corsPolicy } from './cors.js';

/**
 * What every request goes through first: CORS, a request id and one structured log line, NUL characters refused,
 * JSON bodies parsed (20 MB for the gallery's notebooks with their outputs, 5 MB elsewhere).
 */
export function requestPipeline(config: Pick<Config, 'corsOrigins'>, log: Logger): Router {
  const r = Router();
  r.use(corsPolicy(config.corsOrigins));
  // Structured JSON logs (pino), one line per request, tied together by a request id the client may give.
  r.use((req, res, next) => {
    const given = req.get('x-request-id');
    const id = given && /^[\w.:-]{1,100}$/.test(given) ? given : randomUUID();
    res.setHeader('X-Request-Id', id);
    res.vary('Authorization');
    const started = performance.now();
    res.on('finish', () =>
      log.info({ req: id, method: req.method, url: redactUrl(req.originalUrl), status: res.statusCode, ms: Math.round(performance.now() - started) }, 'request')
    );
    next();
  });
  // NUL characters end strings in C and in PostgreSQL: refused where requests enter (URL and JSON body).
  r.use((req, _res, next) => {
    if (/%00|\0/.test(req.originalUrl)) return next(new ValidationError('NUL characters (%00) are not allowed in URLs'));
    next();
  });
  const json = (limit: string) =>
    express.json({
      limit,
      type: ['application/json', 'application/geo+json', 'application/*+json'],
      reviver: (key, value) => {
        if ((typeof value === 'string' && value.includes('\0')) || key.includes('\0')) throw new Error('NUL characters (\\u0000) are not allowed in strings');
        return value;
      }
    });
  r.use('/gallery', json('21mb'));
  r.use(json('5mb'));
  return r;
}

/**
 * The base URL of the links a response carries: `HYSOPE_PUBLIC_URL`, else the request's Host when it is the listen
 * address or an allowed host; any other Host gets links to the listen address (a forged Host rewrites nothing).
 */
export function linkBase(config: Pick<Config, 'publicUrl' | 'allowedHosts'>, listenUrl: () => string): (req: Request) => string {
  const loopbackNames = ['127.0.0.1', 'localhost', '[::1]'];
  const allowedHosts = () => {
    const listen = new URL(listenUrl());
    const loopback = loopbackNames.includes(listen.hostname) ? loopbackNames.map((h) => `${h}:${listen.port}`) : [];
    return new Set([listen.host, ...loopback, ...config.allowedHosts].map((h) => h.toLowerCase()));
  };
  return (req) => {
    if (config.publicUrl) return config.publicUrl.replace(/\/+$/, '');
    const host = (req.get('host') ?? '').toLowerCase();
    return host && allowedHosts().has(host) ? `${req.protocol}://${host}` : listenUrl();
  };
}
