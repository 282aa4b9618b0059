// The job launcher's list of jobs and the actions of the selected one, as elements (the panel keeps the state).
import type { TranslationBundle } from '@jupyterlab/translation';
import { FINAL, type JobStatus } from './api.js';
import { el } from './dom.js';

/**
 * A job after an update from one of the streams that report it (the gateway's events, the job's own event stream):
 * a final status stays final. The two streams are not ordered with each other: on a loaded machine the job's own
 * stream delivered a "running" after the gateway's "successful", then its "successful" again — the job ended twice
 * (two notifications). `ended`: this update is the one that ends the job.
 */
export function mergeJob(before: JobStatus | undefined, update: JobStatus): { job: JobStatus; ended: boolean } {
  if (before && FINAL.has(before.status) && !FINAL.has(update.status)) return { job: before, ended: false };
  return { job: update, ended: FINAL.has(update.status) && before !== undefined && !FINAL.has(before.status) };
}

/** The jobs, newest first (those submitted here before others of the same time), at most 100: options of a listbox. */
export function jobRows(
  jobs: Iterable<JobStatus>,
  selected: string | null,
  submittedHere: (id: string) => boolean,
  select: (id: string) => void
): HTMLElement[] {
  const sorted = [...jobs].sort((a, b) => String(b.created ?? '').localeCompare(String(a.created ?? '')) || (submittedHere(b.jobID) ? 1 : -1));
  return sorted.slice(0, 100).map((j) => {
    const row = el(
      'div',
      { className: `hy-Jobs-job${selected === j.jobID ? ' jp-mod-selected' : ''}` },
      el('span', { className: `hy-Jobs-status hy-mod-${j.status}`, textContent: j.status }),
      el('span', { className: 'hy-Jobs-name', textContent: j.processID ?? '' }),
      el('progress', { className: 'hy-Jobs-progress', max: 100, value: j.progress ?? (j.status === 'successful' ? 100 : 0) }),
      el('div', { className: 'hy-Jobs-message', textContent: j.message ?? '' })
    );
    row.dataset['job'] = j.jobID;
    row.dataset['status'] = j.status;
    row.setAttribute('role', 'option');
    row.setAttribute('aria-selected', String(selected === j.jobID));
    row.onclick = () => select(j.jobID);
    return row;
  });
}

/** What can be done with the selected job: cancel it while it runs, retry one submitted here, open its products. */
export interface JobActions {
  cancel(): void;
  /** Absent when the job was not submitted from this lab (its inputs are not known). */
  retry?: () => void;
  openProducts(): void;
}

export function jobButtons(job: JobStatus, t: TranslationBundle, actions: JobActions): HTMLElement {
  const button = (label: string, cls: string, fn: () => void) => {
    const b = el('button', { className: `jp-Button jp-mod-styled hy-Jobs-${cls}`, textContent: label, type: 'button' });
    b.onclick = fn;
    return b;
  };
  const buttons: HTMLElement[] = [];
  if (!FINAL.has(job.status)) buttons.push(button(t.__('Cancel'), 'cancel', actions.cancel));
  if (FINAL.has(job.status) && actions.retry) buttons.push(button(t.__('Retry'), 'retry', actions.retry));
  if (job.status === 'successful') buttons.push(button(t.__('Open products'), 'open', actions.openProducts));
  return el('div', { className: 'hy-Jobs-actions' }, ...buttons);
}
