import { randomUUID } from 'node:crypto';
import amqp, { type ChannelModel, type ConfirmChannel, type ConsumeMessage } from 'amqplib';
import type { Logger } from 'pino';
import { cnmIdentity, cnmResponse, type CnmResponse } from '../catalog/cnm.js';
import type { EventBus, HydraEvent } from '../monitoring/events.js';

/**
 * HYSOPE on a message broker (AMQP 0-9-1: RabbitMQ). Without `HYSOPE_AMQP_URL` none of this runs and the gateway
 * works in one process, as before.
 *
 * - Ingest requests are PO.DAAC CNM notifications in the durable queue {@link INGEST_QUEUE}; every gateway with
 *   ingest on is a competing consumer. A message is acknowledged only once its outcome is settled: the granule
 *   committed to the catalog (and its CNM response published), or the message moved on — to
 *   {@link RETRY_QUEUE}, where it waits its backoff and then expires back into the ingest queue (a failure that may
 *   pass: the database or the disk), or to {@link DEAD_QUEUE} with the reason in its headers (a message that is not
 *   CNM, a file that fails its checksum, a granule that cannot be read, or too many attempts). Every message gets a
 *   CNM response on {@link RESPONSE_EXCHANGE} (routing key `success` or `failure`). A gateway dying mid-ingest
 *   leaves its message unacknowledged: the broker gives it to another (ingesting a granule again is idempotent).
 * - Events (ingest done/failed, job states, compactions, alerts) go to the topic exchange {@link EVENT_EXCHANGE}
 *   (routing key: the event type); each gateway relays the others' events on its `/events`, and other services
 *   bind queues of their own.
 */
export const INGEST_QUEUE = 'hysope.ingest';
export const RETRY_QUEUE = 'hysope.ingest.retry';
export const DEAD_QUEUE = 'hysope.ingest.dead';
export const RESPONSE_EXCHANGE = 'hysope.cnm.responses';
export const EVENT_EXCHANGE = 'hysope.events';
/** Jobs for the local executor: any gateway taking jobs runs them (the message acknowledged once the job ended there). */
export const JOB_QUEUE = 'hysope.jobs';

/** Headers HYSOPE sets on ingest messages it moves. */
export const ATTEMPTS_HEADER = 'x-hysope-attempts';
export const REASON_HEADER = 'x-hysope-reason';

export interface MessagingOptions {
  url: string;
  bus: EventBus;
  log?: Logger;
  /**
   * Takes one CNM notification (the message body) received at `received`: its response, and whether the failure
   * (if any) may pass. Absent: this gateway does not consume ingest messages (it still relays events).
   */
  take?: (body: Buffer, received: Date) => Promise<{ response: CnmResponse; transient: boolean }>;
  /** Ingest messages taken at once by this gateway. */
  prefetch?: number;
  /** Attempts of a message whose failures may pass, before it goes to the dead-letter queue. */
  maxAttempts?: number;
  /** Wait before the first retry (then ×4 each time, at most 5 min). */
  retryMs?: number;
  /** Receives each message's outcome (metrics). */
  observe?: (outcome: 'success' | 'failure' | 'retry') => void;
}

/** A running connection to the broker: events relayed both ways, ingest messages consumed. */
export class Messaging {
  /** This gateway, as the origin of the events it publishes (its own come back and are not relayed twice). */
  readonly origin = randomUUID();
  private connection: ChannelModel | null = null;
  private channel: ConfirmChannel | null = null;
  private closing = false;
  private inFlight = new Set<Promise<void>>();
  private reconnectTimer: NodeJS.Timeout | null = null;
  private consumerTags: string[] = [];
  private jobConsumer: { run: (id: string) => Promise<void>; prefetch: number } | null = null;
  private readonly forward = (e: HydraEvent) => this.publishEvent(e);

  private constructor(private readonly o: MessagingOptions) {}

  /** Connects, declares, consumes; a broker not answering yet is tried again in the background (not ready meanwhile). */
  static async start(o: MessagingOptions): Promise<Messaging> {
    const m = new Messaging(o);
    o.bus.on('local', m.forward);
    await m.connect().catch((error: unknown) => {
      o.log?.warn({ err: error }, 'AMQP broker not reachable');
      m.scheduleReconnect(1000);
    });
    return m;
  }

  /** Whether the broker connection is up (readiness). */
  get connected(): boolean {
    return this.channel !== null;
  }

  private async connect(): Promise<void> {
    const connection = await amqp.connect(this.o.url, { clientProperties: { connection_name: `hysope-gateway ${this.origin}` } });
    const channel = await connection.createConfirmChannel();
    await channel.assertExchange(EVENT_EXCHANGE, 'topic', { durable: true });
    await channel.assertExchange(RESPONSE_EXCHANGE, 'topic', { durable: true });
    await channel.assertQueue(INGEST_QUEUE, { durable: true });
    await channel.assertQueue(JOB_QUEUE, { durable: true });
    await channel.assertQueue(DEAD_QUEUE, { durable: true });
    // Waiting messages expire back into the ingest queue (per-message expiration: the backoff).
    await channel.assertQueue(RETRY_QUEUE, { durable: true, arguments: { 'x-dead-letter-exchange': '', 'x-dead-letter-routing-key': INGEST_QUEUE } });
    // The other gateways' events, relayed on this one's /events.
    const { queue } = await channel.assertQueue('', { exclusive: true, autoDelete: true });
    await channel.bindQueue(queue, EVENT_EXCHANGE, '#');
    await channel.consume(queue, (msg) => this.relay(msg), { noAck: true });
    const tags: string[] = [];
    if (this.o.take) {
      await channel.prefetch(this.o.prefetch ?? 1);
      const { consumerTag } = await channel.consume(INGEST_QUEUE, (msg) => {
        if (!msg) return;
        const work = this.ingest(channel, msg).finally(() => this.inFlight.delete(work));
        this.inFlight.add(work);
      });
      tags.push(consumerTag);
    }
    this.consumerTags = tags;
    if (this.jobConsumer) await this.consumeJobsOn(connection, this.jobConsumer);
    connection.on('error', (error: Error) => this.o.log?.warn({ err: error }, 'AMQP connection error'));
    connection.on('close', () => {
      this.connection = null;
      this.channel = null;
      if (!this.closing) this.scheduleReconnect(1000);
    });
    this.connection = connection;
    this.channel = channel;
  }

  private scheduleReconnect(delayMs: number): void {
    this.o.log?.warn({ delayMs }, 'AMQP connection lost; reconnecting');
    this.reconnectTimer = setTimeout(() => {
      this.connect().catch(() => this.scheduleReconnect(Math.min(30_000, delayMs * 2)));
    }, delayMs);
    this.reconnectTimer.unref();
  }

  private relay(msg: ConsumeMessage | null): void {
    if (!msg || msg.properties.headers?.['x-hysope-origin'] === this.origin) return;
    try {
      this.o.bus.relay(JSON.parse(msg.content.toString()) as HydraEvent);
    } catch {
      // Not an event of ours: nothing to relay.
    }
  }

  /** Publishes one of this gateway's events (lost if the broker is away: events are notices, not records). */
  private publishEvent(e: HydraEvent): void {
    try {
      this.channel?.publish(EVENT_EXCHANGE, e.type, Buffer.from(JSON.stringify(e)), {
        contentType: 'application/json',
        headers: { 'x-hysope-origin': this.origin }
      });
    } catch (error) {
      this.o.log?.warn({ err: error }, 'event not published to AMQP');
    }
  }

  /** Settles one ingest message: published onwards (confirmed by the broker), then acknowledged. */
  private async ingest(channel: ConfirmChannel, msg: ConsumeMessage): Promise<void> {
    const headers = msg.properties.headers ?? {};
    const attempts = Number(headers[ATTEMPTS_HEADER] ?? 0) + 1;
    const received = new Date();
    let outcome: { response: CnmResponse; transient: boolean };
    try {
      outcome = await this.o.take!(msg.content, received);
    } catch (error) {
      const identity = cnmIdentity(msg.content) ?? {};
      outcome = { response: cnmResponse(identity, received, { ok: false, code: 'PROCESSING_ERROR', message: (error as Error).message }), transient: true };
    }
    const { response } = outcome;
    const failed = response.response.status === 'FAILURE';
    const persistent = { persistent: true, contentType: msg.properties.contentType ?? 'application/json' };
    try {
      if (failed && outcome.transient && attempts < (this.o.maxAttempts ?? 5)) {
        const wait = Math.min(300_000, (this.o.retryMs ?? 1000) * 4 ** (attempts - 1));
        channel.sendToQueue(RETRY_QUEUE, msg.content, {
          ...persistent,
          expiration: String(wait),
          headers: { ...headers, [ATTEMPTS_HEADER]: attempts, [REASON_HEADER]: response.response.errorMessage ?? '' }
        });
        await channel.waitForConfirms();
        channel.ack(msg);
        this.o.observe?.('retry');
        return;
      }
      if (failed)
        channel.sendToQueue(DEAD_QUEUE, msg.content, {
          ...persistent,
          headers: {
            ...headers,
            [ATTEMPTS_HEADER]: attempts,
            [REASON_HEADER]: `${response.response.errorCode}: ${response.response.errorMessage ?? ''}`,
            'x-hysope-failed-at': new Date().toISOString()
          }
        });
      channel.publish(RESPONSE_EXCHANGE, failed ? 'failure' : 'success', Buffer.from(JSON.stringify(response)), {
        persistent: true,
        contentType: 'application/json',
        correlationId: response.identifier
      });
      await channel.waitForConfirms();
      channel.ack(msg);
      this.o.observe?.(failed ? 'failure' : 'success');
    } catch (error) {
      // The channel went away before the message was settled: the broker gives it again (to this gateway once
      // reconnected, or to another).
      this.o.log?.warn({ err: error }, 'ingest message not settled; it will be delivered again');
    }
  }

  /** Publishes a job for the gateways taking jobs (resolved once the broker has it). */
  async dispatchJob(id: string): Promise<void> {
    const channel = this.channel;
    if (!channel) throw new Error('the message broker is not reachable');
    await new Promise<void>((resolve, reject) =>
      channel.sendToQueue(JOB_QUEUE, Buffer.from(id), { persistent: true, contentType: 'text/plain' }, (error) => (error ? reject(error) : resolve()))
    );
  }

  /**
   * Takes jobs from the job queue, `prefetch` at a time (the executor's concurrency: the others wait in the queue for
   * any gateway); `run` resolves when the message may be acknowledged, rejects to give it back.
   */
  async consumeJobs(run: (id: string) => Promise<void>, prefetch: number): Promise<void> {
    this.jobConsumer = { run, prefetch };
    if (this.connection) await this.consumeJobsOn(this.connection, this.jobConsumer);
  }

  private async consumeJobsOn(connection: ChannelModel, c: { run: (id: string) => Promise<void>; prefetch: number }): Promise<void> {
    // A channel of its own: its prefetch counts jobs, not ingest messages. Closed with the connection, its
    // unacknowledged jobs go back to the queue (another gateway takes them over).
    const channel = await connection.createChannel();
    await channel.assertQueue(JOB_QUEUE, { durable: true });
    await channel.prefetch(c.prefetch);
    await channel.consume(JOB_QUEUE, (msg) => {
      if (!msg) return;
      void c
        .run(msg.content.toString())
        .then(
          () => channel.ack(msg),
          () => channel.nack(msg, false, true)
        )
        .catch(() => undefined);
    });
  }

  /** Stops consuming, lets the messages under way settle, and closes. */
  async close(): Promise<void> {
    this.closing = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.o.bus.off('local', this.forward);
    const channel = this.channel;
    if (channel) {
      // No new deliveries; those taken but not started are given back when the channel closes.
      for (const tag of this.consumerTags) await channel.cancel(tag).catch(() => undefined);
    }
    await Promise.allSettled([...this.inFlight]);
    await this.connection?.close().catch(() => undefined);
    this.connection = null;
    this.channel = null;
  }
}
