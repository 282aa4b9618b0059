import type { ProcessDefinition } from '../process.js';

/** Echoes its inputs after an optional delay: a diagnostic process (executors, cancellation, recovery). */
export const echo: ProcessDefinition = {
  id: 'echo',
  title: 'Echo',
  description: 'Returns its message after waiting `seconds`: checks that jobs run, report progress and can be cancelled.',
  version: '1.0.0',
  keywords: ['diagnostic'],
  inputs: {
    message: { title: 'Message', schema: { type: 'string' }, minOccurs: 1 },
    seconds: { title: 'Seconds to wait', schema: { type: 'number', minimum: 0, maximum: 3600, default: 0 }, minOccurs: 0 },
    fail: { title: 'Fail on purpose', schema: { type: 'boolean', default: false }, minOccurs: 0 }
  },
  outputs: { message: { title: 'The message', schema: { type: 'string' } } },
  jobControlOptions: ['sync-execute', 'async-execute', 'dismiss'],
  async run(ctx) {
    const seconds = Number(ctx.inputs['seconds'] ?? 0);
    const steps = Math.max(1, Math.ceil(seconds * 4));
    for (let i = 0; i < steps && seconds > 0; i++) {
      if (ctx.signal.aborted) throw new Error('cancelled');
      await new Promise((r) => setTimeout(r, (seconds * 1000) / steps));
      ctx.progress(Math.round(((i + 1) / steps) * 100), `waited ${(((i + 1) / steps) * seconds).toFixed(1)} s`);
    }
    if (ctx.inputs['fail'] === true) throw new Error('failed on purpose (fail = true)');
    ctx.log(`echo: ${String(ctx.inputs['message'])}`);
    return { outputs: { message: { value: ctx.inputs['message'] } } };
  }
};
