// What alerts are delivered to in the tests and the benchmark: a webhook receiver (an HTTP server recording each
// request, answering the statuses it is told to) and a real SMTP server (`smtp-server`) recording each message.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface Received {
  at: number;
  /** The path it was sent to (one receiver stands for several callback URIs). */
  path: string;
  headers: Record<string, string>;
  body: string;
}

export interface WebhookReceiver {
  url: string;
  received: Received[];
  /** Statuses to answer, in order (then 200). */
  fail: number[];
  waitFor(n: number, ms?: number): Promise<Received[]>;
  stop(): Promise<void>;
}

async function until<T>(check: () => T | undefined, ms: number, what: string): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = check();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const received: Received[] = [];
  const fail: number[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c));
    req.on('end', () => {
      const status = fail.shift() ?? 200;
      if (status === 200) received.push({ at: performance.now(), path: req.url ?? '', headers: req.headers as Record<string, string>, body });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    received,
    fail,
    waitFor: (n, ms = 20_000) => until(() => (received.length >= n ? received : undefined), ms, `${n} webhook deliveries`),
    stop: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      })
  };
}

export interface Mail {
  from: string;
  to: string[];
  data: string;
}

export interface SmtpReceiver {
  url: string;
  mails: Mail[];
  waitFor(n: number, ms?: number): Promise<Mail[]>;
  stop(): Promise<void>;
}

/**
 * A real SMTP server (no TLS, no authentication: a local relay as in a test network), on a free port or the one
 * given; `onMail` hears of each message as it arrives.
 */
export async function startSmtpReceiver(options: { port?: number; onMail?: (mail: Mail) => void } = {}): Promise<SmtpReceiver> {
  const mails: Mail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, done) {
      let data = '';
      stream.on('data', (c: Buffer) => (data += c.toString('utf8')));
      stream.on('end', () => {
        const mail = { from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '', to: session.envelope.rcptTo.map((r) => r.address), data };
        mails.push(mail);
        options.onMail?.(mail);
        done();
      });
    }
  });
  await new Promise<void>((r) => server.listen(options.port ?? 0, '127.0.0.1', () => r()));
  const port = (server.server.address() as AddressInfo).port;
  return {
    url: `smtp://127.0.0.1:${port}`,
    mails,
    waitFor: (n, ms = 20_000) => until(() => (mails.length >= n ? mails : undefined), ms, `${n} e-mails`),
    stop: () => new Promise((r) => server.close(() => r()))
  };
}
