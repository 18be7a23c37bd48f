import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { MODEL_DIR, REPO_ROOT } from '../../helpers/fixtures.js';

const run = promisify(execFile);
const dataDir = mkdtempSync(join(tmpdir(), 'spritemaps-cli-'));
const cli = (args: string[]) =>
  run('npx', ['tsx', 'server/cli/spritemaps.ts', ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, DATA_DIR: dataDir, MODEL_DIR, CI: '1' },
  });

describe('npm run spritemaps', () => {
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('renders a channel range into DATA_DIR and prints the index with --json', async () => {
    const { stdout } = await cli(['--layer', 'mixed3a', '--size', '32', '--steps', '1', '--channels', '2-3,5', '--columns', '4', '--json']);
    const index = JSON.parse(stdout);
    expect(index.cells.map((c: { channel: number }) => c.channel)).toEqual([2, 3, 5]);
    expect([index.columns, index.rows, index.width, index.height]).toEqual([4, 2, 128, 64]);
  });

  it('says what is wrong with a bad layer or channel list, exit code 2 / 1', async () => {
    await expect(cli(['--layer', 'mixed9', '--channels', '0'])).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/Unknown layer "mixed9"/),
    });
    await expect(cli(['--channels', '5-2'])).rejects.toMatchObject({ stderr: expect.stringMatching(/runs backwards/) });
  });
});
