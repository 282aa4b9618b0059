/** The query parameters that carry credentials: never logged, never echoed in links. */
export const SECRET_PARAMS = ['api_key', 'hysope_sig'];

/** A URL with its credential parameters removed (for logs and links). */
export function redactUrl(url: string): string {
  if (!url.includes('?')) return url;
  const [pathPart, query] = [url.slice(0, url.indexOf('?')), url.slice(url.indexOf('?') + 1)];
  const kept = query.split('&').filter((kv) => !SECRET_PARAMS.includes(decodeURIComponentSafe(kv.split('=')[0] ?? '')));
  return kept.length ? `${pathPart}?${kept.join('&')}` : pathPart;
}

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
