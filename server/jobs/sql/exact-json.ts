/** JSON that keeps NaN and ±Infinity (as strings), so that a read gives the same numbers back. */
export const exactJson = {
  stringify(value: unknown): string {
    return JSON.stringify(value, (_key, v) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v));
  },
  parse(text: string): any {
    return JSON.parse(text, (_key, v) => (v === 'NaN' || v === 'Infinity' || v === '-Infinity' ? Number(v) : v));
  },
};
