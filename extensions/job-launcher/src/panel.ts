// The job launcher (left sidebar): processes, a form from the chosen process's inputs, the job list with
// live status (SSE), progress, log, cancel, retry, and results (derived products open in the viewer).
import type { TranslationBundle } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';
import { JobsApi, type JobStatus, type ProcessDescription, type ProcessSummary, type Stream } from './api.js';
import { el } from './dom.js';
import { jobButtons, jobRows, mergeJob } from './job-list.js';
import { renderOutput } from './results.js';
import { buildField, readInputs, type FormField } from './form.js';

export interface LauncherActions {
  viewerBbox(): [number, number, number, number] | null;
  /** The catalog browser's selected item, if any. */
  catalogItem(): { id: string; collection?: string } | null;
  /** The next reach (or node) clicked in the swath viewer; null when none is open or the pick is cancelled. */
  pickReach(): Promise<string | null>;
  cancelPick(): void;
  openProducts(jobId: string): Promise<boolean>;
  error(message: string): void;
  finished(job: JobStatus): void;
}

/** The job launcher panel. */
export class JobsPanel extends Widget {
  private processes: ProcessSummary[] = [];
  private description: ProcessDescription | null = null;
  private fields: FormField[] = [];
  private chooseSeq = 0;
  private jobs = new Map<string, JobStatus>();
  /** Inputs of the jobs submitted from this lab (for retry). */
  private submitted = new Map<string, { process: string; inputs: Record<string, unknown> }>();
  private selectedJob: string | null = null;
  private jobStream: Stream | null = null;
  private events: Stream | null = null;
  private readonly processSelect: HTMLSelectElement;
  private readonly descriptionEl: HTMLDivElement;
  private readonly formEl: HTMLFormElement;
  private readonly jobsEl: HTMLDivElement;
  private readonly logEl: HTMLPreElement;
  private readonly resultsEl: HTMLDivElement;

  constructor(
    readonly api: JobsApi,
    private readonly trans: TranslationBundle,
    private readonly actions: LauncherActions
  ) {
    super();
    this.id = 'hysope-jobs';
    this.addClass('hy-Jobs');
    this.title.caption = trans.__('HYSOPE jobs');
    this.processSelect = el('select', { className: 'jp-mod-styled hy-Jobs-process', title: trans.__('Process') });
    this.processSelect.onchange = () => void this.choose(this.processSelect.value);
    this.descriptionEl = el('div', { className: 'hy-Jobs-description' });
    this.formEl = el('form', { className: 'hy-Jobs-form' });
    this.formEl.onsubmit = (e) => {
      e.preventDefault();
      void this.submit();
    };
    // A list of jobs to pick one from: a listbox of options, the selected job the selected option.
    this.jobsEl = el('div', { className: 'hy-Jobs-list' });
    this.jobsEl.setAttribute('role', 'listbox');
    this.jobsEl.setAttribute('aria-label', trans.__('Jobs'));
    this.logEl = el('pre', { className: 'hy-Jobs-log' });
    this.logEl.setAttribute('role', 'log');
    this.logEl.setAttribute('aria-label', trans.__('Job log'));
    this.resultsEl = el('div', { className: 'hy-Jobs-results' });
    this.resultsEl.setAttribute('role', 'region');
    this.resultsEl.setAttribute('aria-label', trans.__('Job results'));
    const refresh = el('button', { className: 'jp-Button jp-mod-styled', textContent: trans.__('Refresh'), type: 'button' });
    refresh.onclick = () => void this.refresh();
    this.node.append(
      el('div', { className: 'hy-Jobs-section' }, el('h3', { textContent: trans.__('Launch') }), this.processSelect, this.descriptionEl, this.formEl),
      el('div', { className: 'hy-Jobs-section hy-Jobs-head' }, el('h3', { textContent: trans.__('Jobs') }), refresh),
      this.jobsEl,
      this.resultsEl,
      this.logEl
    );
  }

  /** Loads the processes and the job list, and follows the gateway's events. */
  async start(): Promise<void> {
    try {
      this.processes = await this.api.processes();
      this.processSelect.replaceChildren(...this.processes.map((p) => el('option', { value: p.id, textContent: p.title ?? p.id })));
      if (this.processes[0]) await this.choose(this.processes[0].id);
      await this.refresh();
      this.events?.close();
      this.events = this.api.events((type, data) => {
        if (type !== 'job.status') return;
        const id = String(data['job']);
        const previous = this.jobs.get(id);
        const job: JobStatus = {
          ...(previous ?? { type: 'process', jobID: id }),
          jobID: id,
          processID: String(data['process'] ?? previous?.processID ?? ''),
          status: data['status'] as JobStatus['status'],
          progress: typeof data['progress'] === 'number' ? data['progress'] : previous?.progress,
          message: typeof data['error'] === 'string' && data['error'] ? data['error'] : previous?.message
        };
        this.update1(job);
      });
      this.node.dataset['ready'] = 'true';
      this.descriptionEl.classList.remove('hy-Jobs-error');
    } catch (error) {
      // Said in the panel, not as a notification: an unreachable gateway is already notified once at start-up.
      this.descriptionEl.textContent = (error as Error).message;
      this.descriptionEl.classList.add('hy-Jobs-error');
    }
  }

  /** Shows the form of a process. */
  async choose(id: string): Promise<void> {
    this.processSelect.value = id;
    // The form already shown is kept (what was typed in it too); only the last choice is drawn.
    if (this.description?.id === id && this.fields.length) return;
    const seq = ++this.chooseSeq;
    let description: ProcessDescription;
    try {
      description = await this.api.describe(id);
    } catch (error) {
      this.actions.error((error as Error).message);
      return;
    }
    if (seq !== this.chooseSeq) return;
    this.description = description;
    this.descriptionEl.textContent = this.description.description ?? '';
    this.fields = Object.entries(this.description.inputs).map(([name, input]) =>
      buildField(name, input, {
        area: (write) => {
          const b = this.actions.viewerBbox();
          if (!b) return this.actions.error(this.trans.__('Open the swath viewer first: its view gives the area.'));
          write(b.map((x) => +x.toFixed(4)));
        },
        item: (field, write) => {
          const item = this.actions.catalogItem();
          if (!item) return this.actions.error(this.trans.__('Select an item in the catalog browser first.'));
          write(field === 'collection' ? item.collection : field === 'items' ? [item.id] : item.id);
        },
        reach: (write, button) => void this.pickReach(write, button)
      })
    );
    const submit = el('button', { className: 'jp-Button jp-mod-styled jp-mod-accept hy-Jobs-submit', textContent: this.trans.__('Submit'), type: 'submit' });
    this.formEl.replaceChildren(...this.fields.map((f) => f.element), submit);
  }

  /** Waits for a reach clicked in the viewer (pressing the button again stops waiting). */
  private async pickReach(write: (id: string) => void, button: HTMLButtonElement): Promise<void> {
    if (button.getAttribute('aria-pressed') === 'true') return this.actions.cancelPick();
    const label = button.textContent;
    button.setAttribute('aria-pressed', 'true');
    button.textContent = this.trans.__('Click a reach…');
    try {
      const id = await this.actions.pickReach();
      if (id) write(id);
    } finally {
      button.setAttribute('aria-pressed', 'false');
      button.textContent = label;
    }
  }

  /** Fills the form (a retry, a notebook run). */
  fill(inputs: Record<string, unknown>): void {
    for (const f of this.fields) if (f.name in inputs) f.write(inputs[f.name]);
  }

  /** Submits the form as an asynchronous job. */
  async submit(): Promise<JobStatus | null> {
    if (!this.description) return null;
    let inputs: Record<string, unknown>;
    try {
      inputs = readInputs(this.fields);
    } catch (error) {
      this.actions.error((error as Error).message);
      return null;
    }
    return this.run(this.description.id, inputs);
  }

  /** Runs a process with inputs (the form, a retry, "run this notebook"). */
  async run(process: string, inputs: Record<string, unknown>): Promise<JobStatus | null> {
    try {
      const job = await this.api.execute(process, inputs);
      this.submitted.set(job.jobID, { process, inputs });
      this.update1({ ...job, processID: job.processID ?? process });
      this.select(job.jobID);
      return job;
    } catch (error) {
      this.actions.error(this.trans.__('%1 was not started: %2', process, (error as Error).message));
      return null;
    }
  }

  /** Reloads the job list. */
  async refresh(): Promise<void> {
    try {
      for (const j of await this.api.jobs()) this.jobs.set(j.jobID, j);
      this.renderJobs();
    } catch (error) {
      this.actions.error((error as Error).message);
    }
  }

  private update1(update: JobStatus): void {
    const { job, ended } = mergeJob(this.jobs.get(update.jobID), update);
    this.jobs.set(job.jobID, job);
    this.renderJobs();
    if (ended && this.submitted.has(job.jobID)) {
      this.actions.finished(job);
      if (this.selectedJob === job.jobID) void this.showSelected();
    }
  }

  private renderJobs(): void {
    this.jobsEl.replaceChildren(
      ...jobRows(
        this.jobs.values(),
        this.selectedJob,
        (id) => this.submitted.has(id),
        (id) => this.select(id)
      )
    );
  }

  /** Selects a job: its log (live while it runs, from the job's event stream), actions and results. */
  select(id: string): void {
    this.selectedJob = id;
    this.renderJobs();
    void this.showSelected();
    this.jobStream?.close();
    this.logEl.textContent = '';
    this.jobStream = this.api.jobEvents(id, {
      log: (text) => {
        if (this.selectedJob !== id) return;
        this.logEl.textContent = (this.logEl.textContent + text).split('\n').slice(-300).join('\n');
        this.logEl.scrollTop = this.logEl.scrollHeight;
      },
      status: (job) => this.update1({ ...(this.jobs.get(id) ?? {}), ...job })
    });
  }

  /** Which showing of the selected job is the latest: an earlier one still waiting for its results draws nothing. */
  private showing = 0;

  private async showSelected(): Promise<void> {
    const turn = ++this.showing;
    const id = this.selectedJob;
    const j = id ? this.jobs.get(id) : undefined;
    this.resultsEl.replaceChildren();
    if (!id || !j) return;
    const t = this.trans;
    const known = this.submitted.get(id);
    this.resultsEl.append(
      jobButtons(j, t, {
        cancel: () =>
          void this.api.cancel(id).then(
            () => this.update1({ ...j, status: 'dismissed' }),
            (e: Error) => this.actions.error(e.message)
          ),
        retry: known
          ? () => {
              void this.choose(known.process).then(() => this.fill(known.inputs));
              void this.run(known.process, known.inputs);
            }
          : undefined,
        openProducts: () => void this.actions.openProducts(id)
      })
    );
    if (j.status === 'successful') {
      try {
        const results = await this.api.results(id);
        // Two status events close together show the job twice: only the latest draws its results (once).
        if (turn !== this.showing) return;
        const list = el('ul', { className: 'hy-Jobs-outputs' });
        for (const [k, v] of Object.entries(results)) list.append(el('li', {}, el('b', { textContent: k }), ': ', renderOutput(v)));
        this.resultsEl.append(list);
      } catch (error) {
        if (turn === this.showing) this.actions.error((error as Error).message);
      }
    } else if (j.status === 'failed') this.resultsEl.append(el('div', { className: 'hy-Jobs-error', textContent: j.message ?? t.__('failed') }));
  }

  override dispose(): void {
    this.events?.close();
    this.jobStream?.close();
    super.dispose();
  }
}
