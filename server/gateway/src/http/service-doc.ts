/** The `service-doc` page: the OpenAPI document as HTML, rendered here (no script, no CDN, works offline). */

type Obj = Record<string, any>;

const escape = (s: unknown) => String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

function schemaText(schema: Obj | undefined): string {
  if (!schema) return '';
  if (schema['$ref']) {
    const name = String(schema['$ref']).split('/').pop();
    return `<a href="#schema-${escape(name)}">${escape(name)}</a>`;
  }
  if (schema['enum']) return (schema['enum'] as unknown[]).map((v) => `<code>${escape(v)}</code>`).join(' | ');
  if (schema['anyOf']) return (schema['anyOf'] as Obj[]).map(schemaText).join(' or ');
  return escape(schema['format'] ? `${schema['type']} (${schema['format']})` : (schema['type'] ?? 'any'));
}

/** Renders an OpenAPI 3.0 document (as {@link openApiDocument} makes it) into one HTML page. */
export function serviceDocHtml(doc: Obj, specUrl: string): string {
  const byTag = new Map<string, { method: string; path: string; op: Obj }[]>();
  for (const [path, ops] of Object.entries(doc['paths'] as Obj)) {
    for (const [method, op] of Object.entries(ops as Obj)) {
      const tag = (op['tags']?.[0] as string) ?? 'Other';
      if (!byTag.has(tag)) byTag.set(tag, []);
      byTag.get(tag)!.push({ method, path, op });
    }
  }
  const operation = ({ method, path, op }: { method: string; path: string; op: Obj }) => {
    const params = (op['parameters'] ?? []) as Obj[];
    const body = op['requestBody'] as Obj | undefined;
    const responses = Object.entries(op['responses'] as Obj);
    return `<details class="op" id="${escape(op['operationId'])}"><summary><span class="m ${escape(method)}">${escape(method.toUpperCase())}</span> <code>${escape(path)}</code> ${escape(op['summary'])}${op['security'] ? ' <span class="lock" title="needs an API key or a JupyterHub token">key</span>' : ''}</summary>
${op['description'] ? `<p>${escape(op['description'])}</p>` : ''}
${
  params.length
    ? `<table><tr><th>parameter</th><th>in</th><th>type</th><th>description</th></tr>${params
        .map(
          (p) =>
            `<tr><td><code>${escape(p['name'])}</code>${p['required'] ? ' <b>*</b>' : ''}</td><td>${escape(p['in'])}</td><td>${schemaText(p['schema'])}</td><td>${escape(p['description'])}</td></tr>`
        )
        .join('')}</table>`
    : ''
}
${
  body
    ? `<p>Body: ${Object.entries(body['content'] as Obj)
        .map(([m, c]) => `<code>${escape(m)}</code> ${schemaText((c as Obj)['schema'])}`)
        .join(', ')}</p>`
    : ''
}
<table><tr><th>status</th><th>answer</th><th>media types</th></tr>${responses
      .map(
        ([status, r]) =>
          `<tr><td>${escape(status)}</td><td>${escape((r as Obj)['description'])}</td><td>${Object.entries(((r as Obj)['content'] ?? {}) as Obj)
            .map(([m, c]) => `<code>${escape(m)}</code> ${schemaText((c as Obj)['schema'])}`)
            .join('<br>')}</td></tr>`
      )
      .join('')}</table></details>`;
  };
  const info = doc['info'] as Obj;
  const schemas = Object.entries((doc['components'] as Obj)['schemas'] as Obj);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(info['title'])} — API</title>
<style>
body{font-family:system-ui,sans-serif;margin:0 auto;max-width:70rem;padding:1rem 1.5rem;color:#1b2733;line-height:1.45}
h1{margin-bottom:.2rem}h2{border-bottom:1px solid #cfd8e3;padding-bottom:.2rem;margin-top:2rem}
.op{border:1px solid #dde4ec;border-radius:6px;margin:.4rem 0;padding:.3rem .6rem}.op summary{cursor:pointer}
.m{display:inline-block;min-width:4.2rem;text-align:center;font-weight:600;border-radius:4px;color:#fff;font-size:.85rem;padding:.05rem .3rem}
.get{background:#2f6fb3}.post{background:#2e8b57}.put{background:#b7791f}.delete{background:#c0392b}
.lock{font-size:.75rem;border:1px solid #999;border-radius:3px;padding:0 .25rem;color:#555}
table{border-collapse:collapse;margin:.5rem 0;width:100%}td,th{border:1px solid #e3e8ee;padding:.2rem .4rem;text-align:left;vertical-align:top;font-size:.9rem}
pre{background:#f5f7fa;padding:.5rem;overflow:auto;font-size:.8rem}code{font-size:.88em}
</style></head><body>
<h1>${escape(info['title'])}</h1><p>Version ${escape(info['version'])}. ${escape(info['description'])}</p>
<p>Machine-readable: <a href="${escape(specUrl)}">OpenAPI 3.0 document</a>. Authentication: <code>Authorization: token &lt;key&gt;</code>.</p>
<nav>${[...byTag.keys()].map((t) => `<a href="#tag-${escape(t)}">${escape(t)}</a>`).join(' · ')} · <a href="#schemas">Schemas</a></nav>
${[...byTag.entries()].map(([tag, ops]) => `<h2 id="tag-${escape(tag)}">${escape(tag)}</h2>${ops.map(operation).join('\n')}`).join('\n')}
<h2 id="schemas">Schemas</h2>
${schemas.map(([name, s]) => `<details id="schema-${escape(name)}"><summary><code>${escape(name)}</code></summary><pre>${escape(JSON.stringify(s, null, 2))}</pre></details>`).join('\n')}
</body></html>`;
}
