import { describe, expect, it } from 'vitest';
import { errorColumnFormat } from '../../../client/src/lib/format';

describe('errorColumnFormat (one number format per column of ± errors)', () => {
  it('gives the largest two significant digits and every other the same decimals', () => {
    const f = errorColumnFormat([0.00724, 0.000769]);
    expect([f(0.00724), f(0.000769)]).toEqual(['0.0072', '0.0008']);
    const g = errorColumnFormat([12.3, 1.04]);
    expect([g(12.3), g(1.04)]).toEqual(['12', '1']);
  });

  it('adds one decimal where the smallest would round to 0, and says "<" below that', () => {
    expect(errorColumnFormat([0.0072, 0.00004])(0.00004)).toBe('0.00004');
    const f = errorColumnFormat([0.0072, 1e-9]);
    expect(f(1e-9)).toBe('< 0.00001');
    expect(f(0.0072)).toBe('0.00720');
  });

  it('never switches to exponents, whatever the scale', () => {
    for (const e of [3e-7, 4.2e-3, 0.5, 7.7, 1234]) expect(errorColumnFormat([e])(e)).not.toMatch(/e/);
  });
});
