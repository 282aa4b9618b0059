import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authed as call, authedFetch, session, startGateway, type TestGateway } from '../helpers.js';

const SHOUT = `cwlVersion: v1.2
class: CommandLineTool
id: shout
label: Shout
doc: Upper-cases a message into a file.
baseCommand: [sh, -c]
arguments: ['echo "$(inputs.message)" | tr a-z A-Z > shout.txt']
inputs:
  message:
    type: string
    label: Message
  times:
    type: int?
outputs:
  shouted:
    type: File
    outputBinding:
      glob: shout.txt
`;

const deploy = (url: string, body: string, method = 'POST', path = '/processes') =>
  authedFetch(`${url}${path}`, { method, headers: { 'Content-Type': 'application/cwl+yaml' }, body });

describe('OGC API - Processes - Part 2: CWL application packages run by cwltool', () => {
  let g: TestGateway;
  beforeAll(async () => {
    g = await startGateway({ env: { HYSOPE_RATE_LIMIT: '0' } });
    session.headers = (await g.user('packager', 'producer')).headers;
  });
  afterAll(async () => g?.stop());

  it('POST /processes deploys a CommandLineTool; its inputs and outputs become the description', async () => {
    const r = await deploy(g.url, SHOUT);
    expect(r.status).toBe(201);
    expect(r.headers.get('location')).toBe(`${g.url}/processes/shout`);
    const d = (await call(`${g.url}/processes/shout`)).body;
    expect(d.inputs.message).toMatchObject({ title: 'Message', schema: { type: 'string' }, minOccurs: 1 });
    expect(d.inputs.times).toMatchObject({ schema: { type: 'integer' }, minOccurs: 0 });
    expect(d.outputs.shouted.schema.type).toBe('string');
    expect((await call(`${g.url}/processes`)).body.processes.map((p: any) => p.id)).toContain('shout');
  });

  it('executes with cwltool and serves the output file', async () => {
    const r = await call(`${g.url}/processes/shout/execution`, { json: { inputs: { message: 'hello swot' } }, headers: { Prefer: 'respond-async' } });
    expect(r.status).toBe(201);
    let job = r.body;
    for (let i = 0; i < 300 && !['successful', 'failed'].includes(job.status); i++) {
      await new Promise((res) => setTimeout(res, 100));
      job = (await call(`${g.url}/jobs/${r.body.jobID}`)).body;
    }
    expect(job.status, job.message).toBe('successful');
    const results = (await call(`${g.url}/jobs/${r.body.jobID}/results`)).body;
    expect(await (await authedFetch(results.shouted.href)).text()).toBe('HELLO SWOT\n');
    expect((await call(`${g.url}/jobs/${r.body.jobID}/log`)).body).toMatch(/succeeded/);
    const bad = await call(`${g.url}/processes/shout/execution`, { json: { inputs: { message: 'x', times: 'twice' } } });
    expect(bad.status).toBe(400);
    expect(bad.body.detail).toMatch(/input "times" must be integer/);
  });

  it('deploying twice is a conflict, PUT replaces, DELETE undeploys; bad packages say why', async () => {
    expect((await deploy(g.url, SHOUT)).status).toBe(409);
    expect((await deploy(g.url, SHOUT.replace('label: Shout', 'label: Shout louder'), 'PUT', '/processes/shout')).status).toBe(204);
    expect((await call(`${g.url}/processes/shout`)).body.title).toBe('Shout louder');
    const bad = await deploy(g.url, 'cwlVersion: v1.2\nclass: ExpressionTool\nid: x1\ninputs: {}\noutputs: {}\n');
    expect(bad.status).toBe(400);
    expect((await bad.json()).detail).toMatch(/CommandLineTool or a Workflow, got class "ExpressionTool"/);
    expect((await call(`${g.url}/processes/echo`, { method: 'DELETE' })).status).toBe(409);
    expect((await call(`${g.url}/processes/shout`, { method: 'DELETE' })).status).toBe(204);
    expect((await call(`${g.url}/processes/shout`)).status).toBe(404);
    expect((await call(`${g.url}/processes/shout/execution`, { json: { inputs: { message: 'x' } } })).status).toBe(404);
  });
});
