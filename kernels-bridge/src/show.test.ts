import { describe, expect, it } from 'vitest';
import { createShow, MimeTypes } from './index.js';

describe('show.* MIME bundles', () => {
  it('emit the viewer type with text and HTML fallbacks, through the given display', () => {
    const shown: Record<string, unknown>[] = [];
    const show = createShow((b) => shown.push(b));
    show.timeseries(
      [
        {
          name: 'wse',
          units: 'm',
          points: [
            { time: new Date('2023-06-10T19:33:40Z'), value: 12.5 },
            { time: '2023-07-01T00:00:00Z', value: null }
          ]
        }
      ],
      { title: 'reach 71224100203' }
    );
    expect(shown).toHaveLength(1);
    const bundle = shown[0]!;
    expect(Object.keys(bundle)[0]).toBe(MimeTypes.timeseries);
    expect((bundle[MimeTypes.timeseries] as any).series[0].points[0]).toEqual({ time: '2023-06-10T19:33:40.000Z', value: 12.5 });
    expect(bundle['text/plain']).toMatch(/wse: 2 points \(m\)/);
    expect(bundle['text/html']).toMatch(/<li>wse: 2 points/);
  });
  it('escape HTML in the fallback table', () => {
    const bundle = createShow(null).table(['name'], [['<script>x</script>']]);
    expect(bundle['text/html']).not.toMatch(/<script>/);
    expect((bundle[MimeTypes.table] as any).rows).toEqual([['<script>x</script>']]);
  });
});
