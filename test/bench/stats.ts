import { readFileSync } from 'node:fs';

/** Percentile of sorted samples (nearest rank). */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** Prints one benchmark line: value, baseline and their ratio. */
export function report(name: string, value: number, unit: string, baseline?: { name: string; value: number; higherIsBetter: boolean }): void {
  const v = `${value.toFixed(value < 10 ? 2 : 1)} ${unit}`;
  if (!baseline) {
    console.log(`${name}: ${v}`);
    return;
  }
  const ratio = baseline.higherIsBetter ? value / baseline.value : baseline.value / value;
  console.log(
    `${name}: ${v} | baseline ${baseline.name}: ${baseline.value.toFixed(baseline.value < 10 ? 2 : 1)} ${unit} | ratio ${ratio.toFixed(2)}x ${ratio >= 1 ? 'faster/better' : 'slower/worse'}`
  );
}

/** A memory figure of a process from /proc (`VmRSS` now, `VmHWM` its peak), in MB. */
export function procMb(key: 'VmRSS' | 'VmHWM', pid: number | 'self' = 'self'): number {
  return Number(new RegExp(`${key}:\\s+(\\d+)`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
}

/** The middle value (p50) of measurements. */
export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}
