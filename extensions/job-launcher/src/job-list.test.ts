import { describe, expect, it } from 'vitest';
import type { JobStatus } from './api.js';
import { mergeJob } from './job-list.js';

const job = (status: JobStatus['status'], progress?: number): JobStatus => ({ type: 'process', jobID: 'j1', processID: 'echo', status, progress });

describe('a job reported by two streams', () => {
  it('ends once, whatever order the streams deliver in', () => {
    // The gateway's events: accepted, running, successful; the job's own stream: running, then successful, late.
    const deliveries = [job('accepted'), job('running', 10), job('successful', 100), job('running', 50), job('successful', 100)];
    let current: JobStatus | undefined;
    let ends = 0;
    for (const d of deliveries) {
      const { job: next, ended } = mergeJob(current, d);
      current = next;
      if (ended) ends++;
    }
    expect(ends).toBe(1);
    expect(current?.status).toBe('successful');
    expect(current?.progress).toBe(100);
  });

  it('a final status seen first is not an end (a job listed already finished); a final status may be corrected', () => {
    expect(mergeJob(undefined, job('failed')).ended).toBe(false);
    // Cancelled here (shown dismissed at once), then the gateway's word: failed.
    const corrected = mergeJob(job('dismissed'), job('failed'));
    expect(corrected).toEqual({ job: job('failed'), ended: false });
    // Progress goes on while running.
    expect(mergeJob(job('running', 10), job('running', 40)).job.progress).toBe(40);
  });
});
