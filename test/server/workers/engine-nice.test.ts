import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EnginePool } from '../../../server/workers/pool.js';
import { MODEL_DIR } from '../../helpers/fixtures.js';

/** Nice values of this process's threads (Linux: field 19 of /proc/self/task/TID/stat). */
function threadNices(): number[] {
  return readdirSync('/proc/self/task').map((tid) => {
    const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
  });
}

describe.runIf(process.platform === 'linux')('ENGINE_NICE', () => {
  it('the engine threads run at the nice value, the event loop keeps its own', async () => {
    const before = threadNices();
    // This process may itself run under nice (a CI runner): the engine's must be above it.
    const base = Math.max(...before);
    const nice = Math.min(19, base + 5);
    const pool = await EnginePool.start({ size: 1, modelDir: MODEL_DIR, nice });
    try {
      // The worker and the executor threads it started; the threads there before keep theirs.
      const after = threadNices();
      expect(after.filter((n) => n === nice).length).toBeGreaterThanOrEqual(1);
      expect(after.filter((n) => n <= base).length).toBeGreaterThanOrEqual(before.length);
    } finally {
      await pool.close();
    }
  });
});
