// OGC API - Processes callbacks (the `subscriber` of an execute request): when a job starts, succeeds or fails, its
// status document is POSTed to the URI the client gave for that state. A `mailto:` URI sends an e-mail instead —
// how the portal's download basket tells a person their files are ready. Each state is told once per job; an HTTP
// callback is tried three times (1 s, then 4 s apart); a failure is logged, never the job's failure.
import type { Logger } from 'pino';
import type { Mailer } from '../alerts/subscriptions.js';
import type { JobRow, Subscriber } from './store.js';
import { statusInfo } from './service.js';

const KIND: Record<string, keyof Subscriber | undefined> = { running: 'inProgressUri', successful: 'successUri', failed: 'failedUri' };

export class JobCallbacks {
  private readonly told = new Set<string>();

  constructor(
    private readonly o: {
      mailer: Mailer | null;
      /** The gateway's public base URL (links in the status document and the e-mails). */
      publicUrl: () => string;
      log?: Logger;
      fetchImpl?: typeof fetch;
    }
  ) {}

  /** Called on every job change; tells the job's subscriber of a state it has not been told. */
  onJob(job: JobRow): void {
    const kind = KIND[job.status];
    const uri = kind ? job.delivery?.subscriber?.[kind] : undefined;
    if (!uri || this.told.has(`${job.id}:${kind}`)) return;
    this.told.add(`${job.id}:${kind}`);
    if (this.told.size > 100_000) this.told.clear();
    void this.tell(uri, job).catch((error: unknown) => this.o.log?.warn({ err: error, job: job.id, uri }, 'job callback failed'));
  }

  private async tell(uri: string, job: JobRow): Promise<void> {
    const base = this.o.publicUrl();
    const status = statusInfo(job, base);
    const url = new URL(uri);
    if (url.protocol === 'mailto:') {
      if (!this.o.mailer) throw new Error('no SMTP server is configured (HYSOPE_SMTP_URL)');
      const what = job.status === 'successful' ? 'is ready' : job.status === 'failed' ? 'failed' : 'has started';
      await this.o.mailer.send({
        to: decodeURIComponent(url.pathname),
        subject: `HYSOPE: your ${job.process_id} job ${what}`,
        text: [
          `Your ${job.process_id} job ${job.id} ${what}${job.status === 'failed' && job.error ? `: ${job.error}` : ''}.`,
          job.status === 'successful' ? `Its results: ${base}/jobs/${job.id}/results` : `Its status: ${base}/jobs/${job.id}`,
          job.process_id === 'timeseries-export' ? `Your downloads in the portal: ${base}/portal/basket` : '',
          '',
          'You asked to be told when you started it.'
        ]
          .filter((l, i, all) => l !== '' || (i > 0 && all[i - 1] !== ''))
          .join('\n'),
        headers: {}
      });
      return;
    }
    for (let attempt = 0; ; attempt++) {
      try {
        const res = await (this.o.fetchImpl ?? fetch)(uri, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', 'User-Agent': 'HYSOPE-jobs/1' },
          body: JSON.stringify(status),
          redirect: 'manual',
          signal: AbortSignal.timeout(10_000)
        });
        await res.arrayBuffer().catch(() => undefined);
        if (res.status >= 200 && res.status < 300) return;
        throw new Error(`the callback answered ${res.status}`);
      } catch (error) {
        if (attempt >= 2) throw error;
        await new Promise((r) => setTimeout(r, attempt === 0 ? 1000 : 4000));
      }
    }
  }
}
