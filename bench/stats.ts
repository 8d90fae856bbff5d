/** Small statistics helpers (nearest-rank percentiles). */

export function percentile(values: readonly number[], p: number, sorted = false): number {
  if (values.length === 0) return NaN;
  const s = sorted ? values : [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * s.length);
  return s[Math.min(s.length - 1, Math.max(0, rank - 1))];
}

export function median(values: readonly number[]): number {
  const finite = values.filter((v) => Number.isFinite(v));
  if (finite.length === 0) return NaN;
  const s = [...finite].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

export interface Summary {
  n: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export function summarize(values: readonly number[]): Summary {
  const s = [...values].sort((a, b) => a - b);
  return {
    n: s.length,
    p50: percentile(s, 50, true),
    p95: percentile(s, 95, true),
    p99: percentile(s, 99, true),
    max: s.length ? s[s.length - 1] : NaN,
  };
}
