// Deployment files, checked by what runs offline here: Ansible's own syntax check; the Helm chart rendered
// (the subset of Go templates it uses) and its manifests checked against each other and the gateway's
// settings; Dockerfiles and the Singularity definition checked for the files, packages and commands they
// use; the SLURM spawner compiled and loaded by Debian's JupyterHub.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const DEPLOY = path.join(ROOT, 'deploy');
const read = (...p: string[]) => readFileSync(path.join(DEPLOY, ...p), 'utf8');

/** The HYSOPE_* settings the gateway reads (its configuration and the executors' settings), and the S3 credentials. */
const gatewaySettings = new Set(
  ['config.ts', 'app.ts'].flatMap((f) =>
    [...readFileSync(path.join(ROOT, 'server/gateway/src', f), 'utf8').matchAll(/env\['((?:HYSOPE|AWS)_[A-Z0-9_]+)'\]/g)].map((m) => m[1]!)
  )
);

/** Debian packages named in an install line exist in the archive (apt lists, no network). */
function missingDebianPackages(names: string[]): string[] {
  const r = spawnSync('apt-cache', ['show', '--no-all-versions', ...names], { encoding: 'utf8' });
  const found = new Set([...r.stdout.matchAll(/^Package: (\S+)$/gm)].map((m) => m[1]));
  return names.filter((n) => !found.has(n));
}

function aptPackages(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/apt-get install[^\n]*((?:\\\n[^\n]*)*)/g)) {
    const words = m[0].replace(/\\\n/g, ' ').split(/\s+/);
    const start = words.indexOf('install') + 1;
    for (const w of words.slice(start)) {
      if (w === '&&' || w === '\\') break;
      if (!w || w.startsWith('-') || w.includes('$')) continue;
      out.push(w);
    }
  }
  return out;
}

// A renderer of the Go template subset the chart uses: values, release, chart, include, quote, nindent, toYaml, trim markers.
function renderChart(dir: string, values: Record<string, unknown>, release = 'hysope'): string[] {
  const chart = yaml.load(readFileSync(path.join(dir, 'Chart.yaml'), 'utf8')) as Record<string, unknown>;
  const helpers = new Map<string, string>();
  const files = readdirSync(path.join(dir, 'templates'));
  for (const f of files.filter((x) => x.endsWith('.tpl')))
    for (const m of readFileSync(path.join(dir, 'templates', f), 'utf8').matchAll(/\{\{-? define "([^"]+)" -?\}\}([\s\S]*?)\{\{-? end -?\}\}/g))
      helpers.set(m[1]!, m[2]!);
  const lookup = (ref: string): unknown => {
    const [root, ...parts] = ref.replace(/^\./, '').split('.');
    let v: unknown =
      root === 'Values'
        ? values
        : root === 'Release'
          ? { Name: release, Namespace: 'default' }
          : root === 'Chart'
            ? { ...chart, AppVersion: chart['appVersion'] }
            : undefined;
    for (const p of parts) v = (v as Record<string, unknown> | undefined)?.[p];
    if (v === undefined) throw new Error(`template refers to ${ref}, which is not set`);
    return v;
  };
  const evaluate = (expr: string): string => {
    const [head, ...pipes] = expr.split('|').map((s) => s.trim());
    let value: unknown;
    const inc = /^include "([^"]+)" \.$/.exec(head!);
    const toYaml = /^toYaml (\S+)$/.exec(head!);
    if (inc)
      value = render(
        helpers.get(inc[1]!) ??
          (() => {
            throw new Error(`no template ${inc[1]}`);
          })()
      ).trim();
    else if (toYaml) value = yaml.dump(lookup(toYaml[1]!), { flowLevel: -1 }).trimEnd();
    else value = lookup(head!);
    for (const p of pipes) {
      if (p === 'quote') value = JSON.stringify(String(value));
      else if (/^nindent \d+$/.test(p)) {
        const n = Number(p.split(' ')[1]);
        value =
          '\n' +
          String(value)
            .split('\n')
            .map((l) => ' '.repeat(n) + l)
            .join('\n');
      } else throw new Error(`unsupported pipe ${p}`);
    }
    return String(value);
  };
  const render = (text: string): string =>
    text
      .replace(/[ \t]*\{\{- /g, '{{ ')
      .replace(/\s*\{\{-/g, '{{')
      .replace(/-\}\}\s*/g, '}}')
      .replace(/\{\{\s*([^}]+?)\s*\}\}/g, (_, e: string) => evaluate(e));
  return files
    .filter((f) => f.endsWith('.yaml'))
    .flatMap((f) => yaml.loadAll(render(readFileSync(path.join(dir, 'templates', f), 'utf8'))).map((d) => JSON.stringify(d)));
}

describe('deployment files', () => {
  it('the Ansible playbook passes ansible-playbook --syntax-check', () => {
    const r = spawnSync('ansible-playbook', ['-i', 'inventory.example.ini', '--syntax-check', 'playbook.yml'], {
      cwd: path.join(DEPLOY, 'ansible'),
      encoding: 'utf8'
    });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    const book = yaml.load(read('ansible', 'playbook.yml')) as { vars: { hysope_packages: string[] }; tasks: { ansible: unknown }[] }[];
    expect(missingDebianPackages(book[0]!.vars.hysope_packages)).toEqual([]);
    for (const t of ['hysope-gateway.service.j2', 'hysope-hub.service.j2']) expect(existsSync(path.join(DEPLOY, 'ansible/templates', t))).toBe(true);
  });

  it("several gateways with Ansible: the shared engines' settings are the gateway's, and the balancer's configuration is valid for haproxy", () => {
    // Rendered with Jinja2 as Ansible does (Debian's python3-jinja2, which ansible-core brings).
    const render = (template: string, vars: Record<string, unknown>) => {
      const r = spawnSync(
        '/usr/bin/python3',
        ['-c', 'import sys, json, jinja2; print(jinja2.Template(open(sys.argv[1]).read()).render(**json.loads(sys.argv[2])))', template, JSON.stringify(vars)],
        { encoding: 'utf8' }
      );
      expect(r.status, r.stderr).toBe(0);
      return r.stdout;
    };
    const book = yaml.load(read('ansible', 'playbook.yml')) as { vars: Record<string, unknown> }[];
    const vars = Object.fromEntries(Object.entries(book[0]!.vars).map(([k, v]) => [k, v === '' ? `set-${k}` : v]));
    const env = render(path.join(DEPLOY, 'ansible/templates/gateway.env.j2'), vars);
    const names = [...env.matchAll(/^([A-Z0-9_]+)=/gm)].map((m) => m[1]!);
    expect(names.length).toBeGreaterThanOrEqual(9);
    expect(names.filter((n) => !gatewaySettings.has(n))).toEqual([]);
    // Unset, nothing is written: one node runs on the embedded defaults.
    const unset = Object.fromEntries(Object.entries(book[0]!.vars).map(([k, v]) => [k, v]));
    expect(render(path.join(DEPLOY, 'ansible/templates/gateway.env.j2'), unset).match(/^[A-Z]/gm)).toBeNull();
    const cfg = render(path.join(DEPLOY, 'ansible/templates/haproxy.cfg.j2'), {
      hysope_balancer_port: 18080,
      hysope_gateway_port: 8080,
      groups: { hysope: ['node1', 'node2', 'node3'] },
      hostvars: { node1: { ansible_host: '10.0.0.1' }, node2: { ansible_host: '10.0.0.2' }, node3: { ansible_host: '10.0.0.3' } }
    });
    expect(cfg.match(/^\s+server /gm)).toHaveLength(3);
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'hysope-haproxy-cfg-')), 'haproxy.cfg');
    writeFileSync(file, cfg);
    const check = spawnSync('/usr/sbin/haproxy', ['-c', '-f', file], { encoding: 'utf8' });
    expect(check.status, check.stdout + check.stderr).toBe(0);
  });

  it('the Helm chart renders to consistent Kubernetes manifests that set only settings the gateway reads', () => {
    const values = yaml.load(read('helm/hysope/values.yaml')) as Record<string, unknown>;
    const docs = renderChart(path.join(DEPLOY, 'helm/hysope'), values).map(
      (d) => JSON.parse(d) as { kind: string; apiVersion: string; metadata: { name: string }; spec: Record<string, unknown> }
    );
    const kinds = docs.map((d) => d.kind).sort();
    expect(kinds).toEqual(['Deployment', 'Deployment', 'PersistentVolumeClaim', 'PodDisruptionBudget', 'Role', 'RoleBinding', 'Service', 'ServiceAccount']);
    type Env = { name: string; value?: string; valueFrom?: { secretKeyRef: { name: string; key: string } } };
    type Pod = {
      metadata: { labels: Record<string, string> };
      spec: {
        serviceAccountName: string;
        containers: { ports: { name: string; containerPort: number }[]; env: Env[] }[];
        volumes: { persistentVolumeClaim: { claimName: string } }[];
      };
    };
    type Deployment = { metadata: { name: string }; spec: { replicas: number; selector: { matchLabels: Record<string, string> }; template: Pod } };
    const [deployment, worker] = ['hysope-gateway', 'hysope-worker'].map(
      (n) => docs.find((d) => d.kind === 'Deployment' && d.metadata.name === n) as unknown as Deployment
    );
    expect(deployment && worker).toBeTruthy();
    const service = docs.find((d) => d.kind === 'Service')! as unknown as { spec: { selector: Record<string, string>; ports: { targetPort: string }[] } };
    const pdb = docs.find((d) => d.kind === 'PodDisruptionBudget')! as unknown as {
      spec: { minAvailable: number; selector: { matchLabels: Record<string, string> } };
    };
    const pvc = docs.find((d) => d.kind === 'PersistentVolumeClaim')!;
    const matches = (selector: Record<string, string>, pod: Pod) => Object.entries(selector).every(([k, v]) => pod.metadata.labels[k] === v);
    // The service and the disruption budget select the gateways (not the workers); each deployment its own pods.
    expect(matches(service.spec.selector, deployment!.spec.template)).toBe(true);
    expect(matches(service.spec.selector, worker!.spec.template)).toBe(false);
    expect(matches(pdb.spec.selector.matchLabels, deployment!.spec.template)).toBe(true);
    expect(matches(pdb.spec.selector.matchLabels, worker!.spec.template)).toBe(false);
    // Several gateways, a budget that leaves one to drain at a time.
    expect(deployment!.spec.replicas).toBeGreaterThan(1);
    expect(pdb.spec.minAvailable).toBeGreaterThan(0);
    expect(pdb.spec.minAvailable).toBeLessThan(deployment!.spec.replicas);
    for (const d of [deployment!, worker!]) {
      const pod = d.spec.template;
      expect(matches(d.spec.selector.matchLabels, pod)).toBe(true);
      expect(pod.spec.containers[0]!.ports.map((p) => p.name)).toContain(service.spec.ports[0]!.targetPort);
      expect(pod.spec.volumes[0]!.persistentVolumeClaim.claimName).toBe(pvc.metadata.name);
      expect(docs.find((d) => d.kind === 'ServiceAccount')!.metadata.name).toBe(pod.spec.serviceAccountName);
      const env = pod.spec.containers[0]!.env;
      expect(env.filter((e) => !gatewaySettings.has(e.name)).map((e) => e.name)).toEqual([]);
      // Each a value, or a key of a secret.
      for (const e of env)
        expect((typeof e.value === 'string' && e.value.length > 0) || (!!e.valueFrom?.secretKeyRef.name && !!e.valueFrom.secretKeyRef.key), e.name).toBe(true);
      // Replicas share state only through the engines: PostgreSQL, S3, RabbitMQ, and one signing key.
      const names = new Set(env.map((e) => e.name));
      for (const n of ['HYSOPE_DATABASE_URL', 'HYSOPE_OBJECT_STORE', 'HYSOPE_AMQP_URL', 'HYSOPE_SIGNING_KEY', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'])
        expect(names.has(n), n).toBe(true);
      expect(env.find((e) => e.name === 'HYSOPE_OBJECT_STORE')!.value).toMatch(/^s3:\/\//);
    }
    // The workers consume the ingest queue; the HTTP gateways leave it to them.
    const ingest = (d: Deployment) => d.spec.template.spec.containers[0]!.env.find((e) => e.name === 'HYSOPE_AMQP_INGEST')?.value;
    expect([ingest(deployment!), ingest(worker!)]).toEqual(['false', 'true']);
    // Zero to JupyterHub values: the lab image, the gateway, our server extension.
    const z2jh = yaml.load(read('helm/values-jupyterhub.yaml')) as {
      singleuser: { image: { name: string }; extraEnv: Record<string, string> };
      hub: { extraConfig: Record<string, string> };
    };
    expect(z2jh.singleuser.image.name).toBe('hysope/lab');
    expect(z2jh.singleuser.extraEnv['HYSOPE_GATEWAY_URL']).toMatch(/^http:\/\/hysope-gateway:8080$/);
    expect(z2jh.hub.extraConfig['hysope']).toContain('hysope_lab');
  });

  it('the Dockerfiles copy files that exist, install packages Debian has, and start what the repository builds', () => {
    for (const f of ['Dockerfile.gateway', 'Dockerfile.lab']) {
      const text = read('docker', f);
      for (const m of text.matchAll(/^COPY (?!--from)(.+) (\S+)$/gm))
        for (const src of m[1]!.split(/\s+/)) if (src !== '.') expect(existsSync(path.join(ROOT, src)), `${f}: COPY ${src}`).toBe(true);
      for (const m of text.matchAll(/^FROM (\S+)/gm)) expect(m[1], `${f}: pinned base image`).toMatch(/:(?!latest)[\w.-]+$/);
      expect(missingDebianPackages(aptPackages(text)), f).toEqual([]);
    }
    expect(read('docker', 'Dockerfile.gateway')).toContain('server/gateway/bin/hysope.js');
    expect(existsSync(path.join(ROOT, 'server/gateway/bin/hysope.js'))).toBe(true);
    expect(read('docker', 'Dockerfile.lab')).toContain('scripts/kernels.sh');
  });

  it('the Singularity definition has its sections, and the packages and scripts it uses exist', () => {
    const def = read('hpc', 'hysope.def');
    expect(def).toMatch(/^Bootstrap: docker$/m);
    expect(def).toMatch(/^From: node:20-bookworm$/m); // Debian 12 with Node 20 (Debian's own Node is 18)
    for (const section of ['%files', '%environment', '%post', '%runscript', '%test', '%labels', '%help']) expect(def).toContain(section);
    expect(missingDebianPackages(aptPackages(def))).toEqual([]);
    for (const script of ['scripts/kernels.sh', 'server/gateway/bin/hysope.js']) expect(existsSync(path.join(ROOT, script))).toBe(true);
  });

  it("the SLURM spawner loads in Debian's JupyterHub and writes a batch script for the lab", () => {
    const code = [
      'import sys; sys.path.insert(0, sys.argv[1])',
      'from slurmspawner import SlurmSpawner',
      'from unittest import mock',
      's = SlurmSpawner(user=mock.MagicMock(server=None))',
      's.user.name = "alice"; s.cmd = ["python3", "-m", "jupyterhub.singleuser"]; s.partition = "debug"; s.notebook_dir = "/data"',
      's.get_args = lambda: ["--port=9999"]',
      'print(s.batch_script({"HYSOPE_GATEWAY_URL": "http://g:8080", "JUPYTERHUB_API_TOKEN": "t o"}))'
    ].join('\n');
    const r = spawnSync('/usr/bin/python3', ['-c', code, path.join(DEPLOY, 'hpc')], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('#SBATCH --job-name=hysope-lab-alice');
    expect(r.stdout).toContain('#SBATCH --partition=debug');
    expect(r.stdout).toContain("export JUPYTERHUB_API_TOKEN='t o'");
    expect(r.stdout).toMatch(/^exec python3 -m jupyterhub.singleuser --port=9999$/m);
  });
});
