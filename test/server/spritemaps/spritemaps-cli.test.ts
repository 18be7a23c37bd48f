import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { MODEL_DIR, REPO_ROOT } from '../../helpers/fixtures.js';
import { MODEL_DATA_DIR } from '../../../server/spritemaps/sprite-store.js';

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

  it("renders an imported model's channels, under DATA_DIR/model-data/<name>-<hash>/ where the server looks, never in MODELS_DIR", async () => {
    const model = join(REPO_ROOT, 'test', 'fixtures', 'onnx-models', 'squeezenet');
    const { stdout } = await cli([
      '--model',
      model,
      '--layer',
      'features.4',
      '--size',
      '32',
      '--steps',
      '2',
      '--channels',
      '0,7',
      '--json',
    ]);
    const index = JSON.parse(stdout);
    expect(index.layer).toBe('features.4');
    expect(index.cells.map((c: { channel: number }) => c.channel)).toEqual([0, 7]);
    // DATA_DIR/models is the default MODELS_DIR: a sprite folder there would be listed as a model.
    expect(existsSync(join(dataDir, 'models'))).toBe(false);
    const dir = join(dataDir, MODEL_DATA_DIR);
    expect(readdirSync(dir)).toEqual([expect.stringMatching(/^squeezenet-[0-9a-f]{12}$/)]);
    expect(readdirSync(join(dir, readdirSync(dir)[0], 'spritemaps'))).toContain('features.4.png');
  });

  it('says what is wrong with a bad layer or channel list, exit code 2 / 1', async () => {
    await expect(cli(['--layer', 'mixed9', '--channels', '0'])).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/Unknown layer "mixed9"/),
    });
    await expect(cli(['--channels', '5-2'])).rejects.toMatchObject({ stderr: expect.stringMatching(/runs backwards/) });
  });
});
