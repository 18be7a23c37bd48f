import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import p from 'onnx-proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EnginePool } from '../../../server/workers/pool.js';
import { relativeL2 } from '../../helpers/fixtures.js';
import { gql, gqlData, sseSubscribe } from '../helpers/graphql-client.js';
import { folderFiles, importModel, onnxFile, type ImportFiles } from '../helpers/model-import.js';
import { REPO_ROOT, SHARED_IMAGES, startTestServer, type TestServer } from '../helpers/test-server.js';

/**
 * Models in the API, on the PyTorch-exported fixtures (test/fixtures/onnx-models) and their
 * PyTorch autograd references: a job on an imported model must give what PyTorch computes.
 */
const FIXTURES = join(REPO_ROOT, 'test', 'fixtures', 'onnx-models');
const execFileP = promisify(execFile);
const reference = (name: string) => JSON.parse(readFileSync(join(FIXTURES, 'expected', `${name}.json`), 'utf8'));
/** The 224 px photo a fixture's references were computed on. */
const photoOf = (name: string): string => reference(name).image.split('/').pop();

const MODELS = `{ models { id builtin name inputSize classCount layers { name channels height width } } }`;
const START = `mutation ($input: AttributionInput!) { startAttribution(input: $input) { id status input { model layer } } }`;
const JOB = `query ($id: ID!) { job(id: $id) { status input { model } model { id } result { values } error { code message } } }`;
const PROGRESS = `subscription ($id: ID!) { jobProgress(id: $id) { status done } }`;
const UPLOAD = `mutation ($dataUrl: String) { uploadImage(dataUrl: $dataUrl) { id } }`;
const DELETE = `mutation ($id: ID!) { deleteModel(id: $id) }`;

/** Uploads one of the 224 px photos the references were computed on (the product decodes it the same way). */
async function photo(url: string, name: string): Promise<string> {
  const bytes = readFileSync(join(SHARED_IMAGES, '224', name));
  const r = await gqlData(url, UPLOAD, { dataUrl: `data:image/png;base64,${bytes.toString('base64')}` });
  return r.uploadImage.id;
}

async function runToEnd(url: string, input: Record<string, unknown>) {
  const r = await gql(url, START, { input });
  if (r.errors?.length) throw new Error(JSON.stringify(r.errors));
  const id = r.data.startAttribution.id;
  await sseSubscribe(url, PROGRESS, { id }, () => undefined);
  return (await gqlData(url, JOB, { id })).job;
}

/** A SIMPLE job on a fixture at its first reference layer, against PyTorch autograd's gradient x activation. */
async function expectPyTorchValues(url: string, model: string, fixture: string) {
  const ref = reference(fixture);
  const layer = ref.layers[0];
  const imageId = await photo(url, ref.image.split('/').pop());
  const job = await runToEnd(url, {
    model,
    imageId,
    layer: layer.module,
    class1: ref.class1.arg,
    class2: ref.class2.arg,
    method: 'SIMPLE',
  });
  expect(job.status, JSON.stringify(job.error)).toBe('SUCCEEDED');
  expect(job.input.model).toBe(model);
  expect(job.model.id).toBe(model);
  expect(job.result.values).toHaveLength(layer.channels);
  expect(relativeL2(job.result.values, layer.simple)).toBeLessThan(1e-3);
}

/** The fixture's model with one change, re-encoded: what a broken or hostile upload looks like. */
function altered(fixture: string, change: (m: p.onnx.ModelProto) => void): Uint8Array {
  const model = p.onnx.ModelProto.decode(readFileSync(join(FIXTURES, fixture, 'model.onnx')));
  change(model);
  return p.onnx.ModelProto.encode(model).finish();
}

describe('models in the API', () => {
  let pool: EnginePool;
  let srv: TestServer;
  let modelsDir: string;
  const modelFolders = () => readdirSync(modelsDir).sort();

  beforeAll(async () => {
    modelsDir = mkdtempSync(join(tmpdir(), 'models-api-'));
    cpSync(join(FIXTURES, 'resnet'), join(modelsDir, 'resnet'), { recursive: true });
    pool = await EnginePool.start({ size: 1, backend: 'onnx' });
    srv = await startTestServer(pool, { models: { modelsDir, maxModelBytes: 1_500_000, maxModels: 3 } });
  });
  afterAll(async () => {
    await srv?.close();
    await pool?.close();
    rmSync(modelsDir, { recursive: true, force: true });
  });

  it("lists the built-in model first, then MODELS_DIR's, each with its layers by module path", async () => {
    const { models } = await gqlData(srv.url, MODELS);
    expect(models.map((m: { id: string }) => m.id)).toEqual(['googlenet-bvlc', 'resnet']);
    expect(models[0]).toMatchObject({ builtin: true, inputSize: 224, classCount: 1000 });
    expect(models[0].layers.map((l: { name: string }) => l.name)).toContain('mixed4d');
    const resnet = models[1];
    expect(resnet).toMatchObject({ builtin: false, inputSize: 224, classCount: 10 });
    // layer3's output is layer3.1's (its last block): listed once, by the outer module.
    const layer = resnet.layers.find((l: { name: string }) => l.name === 'layer3');
    expect(layer).toEqual({ name: 'layer3', channels: 96, height: 14, width: 14 });
    const { model } = await gqlData(srv.url, `{ model(id: "resnet") { id classes(search: "cat") { index name } } }`);
    expect(model.classes).toEqual([{ index: 3, name: 'cat' }]);
    expect((await gqlData(srv.url, `{ model { id } }`)).model.id).toBe('googlenet-bvlc');
  });

  it("runs a SIMPLE job on a model of MODELS_DIR with PyTorch autograd's values", async () => {
    await expectPyTorchValues(srv.url, 'resnet', 'resnet');
  });

  it('gives the values of the CLI on the same model, SIMPLE and PATH', async () => {
    const ref = reference('resnet');
    const photoFile = join(SHARED_IMAGES, '224', photoOf('resnet'));
    const imageId = await photo(srv.url, photoOf('resnet'));
    for (const [method, cliMethod] of [
      ['SIMPLE', 'simple'],
      ['PATH', 'path'],
    ] as const) {
      const input = { model: 'resnet', imageId, layer: 'layer2', class1: ref.class1.arg, class2: ref.class2.arg, method, steps: 8 };
      const job = await runToEnd(srv.url, input);
      const { stdout } = await execFileP(
        'npm',
        [
          'run',
          '--silent',
          'attribute',
          '--',
          '--model',
          join(modelsDir, 'resnet'),
          '--image',
          photoFile,
          '--layer',
          'layer2',
          '--class1',
          ref.class1.arg,
          '--class2',
          ref.class2.arg,
          '--method',
          cliMethod,
          '--steps',
          '8',
          '--backend',
          'onnx',
          '--json',
        ],
        { cwd: REPO_ROOT, maxBuffer: 1 << 24 },
      );
      const cli = JSON.parse(stdout.trim().split('\n').at(-1)!);
      expect(job.status).toBe('SUCCEEDED');
      // One executor, one request: the same numbers, not merely close ones.
      expect(job.result.values, method).toEqual(cli.values);
    }
  });

  it('predicts with the chosen model', async () => {
    const imageId = await photo(srv.url, photoOf('resnet'));
    const { image } = await gqlData(
      srv.url,
      `query ($id: ID!) { image(id: $id) { predictions(top: 3, model: "resnet") { class { index } logit } } }`,
      {
        id: imageId,
      },
    );
    const logits = reference('resnet').logits as number[];
    const best = [...logits.keys()].sort((a, b) => logits[b] - logits[a]).slice(0, 3);
    expect(image.predictions.map((x: { class: { index: number } }) => x.class.index)).toEqual(best);
    expect(image.predictions[0].logit).toBeCloseTo(logits[best[0]], 3);
  });

  it("answers an unknown model with UNKNOWN_MODEL listing the ids there are, and checks layer and classes against the model's", async () => {
    const imageId = await photo(srv.url, photoOf('resnet'));
    const unknown = await gql(srv.url, START, { input: { model: 'nope', imageId, layer: 'layer3.1', method: 'SIMPLE' } });
    expect(unknown.errors![0].extensions).toMatchObject({ code: 'UNKNOWN_MODEL', details: { valid: ['googlenet-bvlc', 'resnet'] } });
    expect(unknown.errors![0].message).toBe('Unknown model "nope": the models are googlenet-bvlc, resnet.');
    expect((await gql(srv.url, `{ model(id: "nope") { id } }`)).errors![0].extensions!.code).toBe('UNKNOWN_MODEL');
    const layer = await gql(srv.url, START, { input: { model: 'resnet', imageId, layer: 'mixed4d', method: 'SIMPLE' } });
    expect(layer.errors![0].extensions!.code).toBe('UNKNOWN_LAYER');
    const cls = await gql(srv.url, START, { input: { model: 'resnet', imageId, layer: 'layer3.1', class1: 'tabby', method: 'SIMPLE' } });
    expect(cls.errors![0].extensions!.code).toBe('UNKNOWN_CLASS');
  });

  it('imports a model by multipart upload, lists it at once, and runs a job on it', async () => {
    const { status, body } = await importModel(srv.url, folderFiles(join(FIXTURES, 'densenet')), { id: 'densenet' });
    expect(status, JSON.stringify(body)).toBe(200);
    expect(body.data!.importModel).toMatchObject({ id: 'densenet', builtin: false, inputSize: 160, classCount: 10 });
    expect(body.data!.importModel.layers.map((l: { name: string }) => l.name)).toContain('features.transition2');
    expect((await gqlData(srv.url, MODELS)).models.map((m: { id: string }) => m.id)).toEqual(['googlenet-bvlc', 'densenet', 'resnet']);
    expect(readdirSync(join(modelsDir, 'densenet')).sort()).toEqual(['config.json', 'model.onnx', 'preprocessor_config.json']);
    await expectPyTorchValues(srv.url, 'densenet', 'densenet');
  });

  it('refuses each bad import with its reason, and leaves nothing behind', async () => {
    const before = modelFolders();
    const resnet = readFileSync(join(FIXTURES, 'resnet', 'model.onnx'));
    const cases: [string, ImportFiles, RegExp][] = [
      ['not ONNX', { model: ['model.onnx', new TextEncoder().encode('this is not a protobuf at all')] }, /ONNX|protobuf/i],
      ['a truncated file', { model: ['model.onnx', new Uint8Array(resnet.subarray(0, resnet.length >> 1))] }, /truncated|protobuf|ONNX/i],
      [
        'external data outside the folder',
        {
          model: [
            'model.onnx',
            altered('resnet', (m) => {
              const t = m.graph!.initializer!.find((i) => i.rawData && i.rawData.length > 64)!;
              t.dataLocation = p.onnx.TensorProto.DataLocation.EXTERNAL;
              t.externalData = [
                { key: 'location', value: '../../outside.bin' },
                { key: 'length', value: String(t.rawData!.length) },
              ];
              t.rawData = new Uint8Array(0);
            }),
          ],
        },
        /outside|\.\./,
      ],
      [
        'an operator in a custom domain',
        {
          model: [
            'model.onnx',
            altered('resnet', (m) => {
              const node = m.graph!.node!.find((n) => n.opType === 'Relu')!;
              node.domain = 'com.example.custom';
              m.opsetImport!.push({ domain: 'com.example.custom', version: 1 });
            }),
          ],
        },
        /com\.example\.custom/,
      ],
      [
        'an operator without a rule',
        {
          model: [
            'model.onnx',
            altered('resnet', (m) => {
              m.graph!.node!.find((n) => n.opType === 'Relu')!.opType = 'Celu';
            }),
          ],
        },
        /Celu/,
      ],
      ['a file that is not .onnx', { model: ['weights.bin', new Uint8Array(resnet)] }, /not an ONNX model file/],
    ];
    for (const [what, files, reason] of cases) {
      const { status, body } = await importModel(srv.url, files, { id: 'bad' });
      expect(status, what).toBe(200);
      expect(body.errors?.[0].extensions?.code, `${what}: ${JSON.stringify(body)}`).toBe('BAD_MODEL');
      expect(body.errors![0].message, what).toMatch(reason);
      // Nothing of the server's own paths: the staging folder is the file's name in messages.
      expect(body.errors![0].message, what).not.toContain(modelsDir);
      expect(modelFolders(), what).toEqual(before);
    }
  });

  it('answers an upload over MAX_MODEL_BYTES with HTTP 413 and the limit, before or after reading it', async () => {
    const big = onnxFile(join(FIXTURES, 'efficientnet', 'model.onnx')); // 877 KiB: under the 15 MB of any request
    const padded: ImportFiles = { ...big, externalData: [['padding.data', new Uint8Array(700_000)]] };
    const read = await importModel(srv.url, padded, { id: 'big' });
    expect(read.status).toBe(413);
    expect(read.body.errors![0].extensions).toMatchObject({ code: 'MODEL_TOO_LARGE', details: { maxModelBytes: 1_500_000 } });
    expect(read.body.errors![0].message).toMatch(/over this server's limit of 1\.4 MB \(MAX_MODEL_BYTES\)/);
    // Over 15 MB: refused from its Content-Length, before the body is read.
    const huge: ImportFiles = { ...big, externalData: [['padding.data', new Uint8Array(16 * 1024 * 1024)]] };
    const early = await importModel(srv.url, huge, { id: 'huge' });
    expect(early.status).toBe(413);
    expect(early.body.errors![0].extensions!.code).toBe('MODEL_TOO_LARGE');
    expect(modelFolders()).toEqual(['densenet', 'resnet']);
  });

  it('refuses to delete the built-in model, or a model a job is queued or running on; deletes an idle one', async () => {
    const builtin = await gql(srv.url, DELETE, { id: 'googlenet-bvlc' });
    expect(builtin.errors![0].extensions!.code).toBe('MODEL_IN_USE');
    const imageId = await photo(srv.url, 'chicky_dog.png');
    const busy = await gql(srv.url, START, {
      input: { model: 'densenet', imageId, layer: 'features.denseblock3', class1: 'dog', class2: 'bird', method: 'PATH', steps: 400 },
    });
    const jobId = busy.data.startAttribution.id;
    const refused = await gql(srv.url, DELETE, { id: 'densenet' });
    expect(refused.errors![0].extensions!.code).toBe('MODEL_IN_USE');
    expect(refused.errors![0].message).toMatch(/queued or running/);
    await gqlData(srv.url, `mutation ($id: ID!) { cancelJob(id: $id) { status } }`, { id: jobId });
    await sseSubscribe(srv.url, PROGRESS, { id: jobId }, () => undefined);
    expect((await gqlData(srv.url, DELETE, { id: 'densenet' })).deleteModel).toBe('densenet');
    expect(modelFolders()).toEqual(['resnet']);
    expect((await gqlData(srv.url, MODELS)).models.map((m: { id: string }) => m.id)).toEqual(['googlenet-bvlc', 'resnet']);
    // The job keeps its model's id; the model itself is gone.
    const job = (await gqlData(srv.url, JOB, { id: jobId })).job;
    expect(job.input.model).toBe('densenet');
    expect(job.model).toBeNull();
    expect((await gql(srv.url, DELETE, { id: 'densenet' })).errors![0].extensions!.code).toBe('UNKNOWN_MODEL');
  });

  it('finds the models again after a restart, and jobs keep theirs', async () => {
    const { id } = (
      await gqlData(srv.url, START, {
        input: { model: 'resnet', imageId: await photo(srv.url, photoOf('resnet')), layer: 'layer2', method: 'SIMPLE', class1: 'cat' },
      })
    ).startAttribution;
    await sseSubscribe(srv.url, PROGRESS, { id }, () => undefined);
    const dataDir = srv.dataDir;
    await srv.close({ keepData: true });
    srv = await startTestServer(pool, { dataDir, models: { modelsDir } });
    expect((await gqlData(srv.url, MODELS)).models.map((m: { id: string }) => m.id)).toEqual(['googlenet-bvlc', 'resnet']);
    const job = (await gqlData(srv.url, JOB, { id })).job;
    expect(job).toMatchObject({ status: 'SUCCEEDED', input: { model: 'resnet' }, model: { id: 'resnet' } });
    expect(job.result.values).toHaveLength(64);
  });
});

describe('who may import and delete models', () => {
  let pool: EnginePool;
  const servers: TestServer[] = [];
  const dirs: string[] = [];
  const fresh = async (models: { adminToken?: string | null; host?: string }) => {
    const modelsDir = mkdtempSync(join(tmpdir(), 'models-admin-'));
    dirs.push(modelsDir);
    const srv = await startTestServer(pool, { models: { modelsDir, ...models } });
    servers.push(srv);
    return srv;
  };
  const resnet = () => folderFiles(join(FIXTURES, 'resnet'));

  beforeAll(async () => {
    pool = await EnginePool.start({ size: 1, backend: 'onnx' });
  });
  afterAll(async () => {
    for (const s of servers) await s.close();
    await pool?.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('with ADMIN_TOKEN, imports and deletes need the bearer token; everything else stays open', async () => {
    const srv = await fresh({ adminToken: 'test-admin-token' });
    for (const token of [undefined, 'wrong-token']) {
      const r = await importModel(srv.url, resnet(), { id: 'resnet', token });
      expect(r.status).toBe(401);
      expect(r.body.errors![0].extensions!.code).toBe('UNAUTHENTICATED');
      expect(r.body.errors![0].message).toMatch(/Authorization: Bearer/);
    }
    const ok = await importModel(srv.url, resnet(), { id: 'resnet', token: 'test-admin-token' });
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect(ok.body.data!.importModel.id).toBe('resnet');
    expect((await gqlData(srv.url, MODELS)).models).toHaveLength(2);
    const del = await gql(srv.url, DELETE, { id: 'resnet' });
    expect(del.errors![0].extensions!.code).toBe('UNAUTHENTICATED');
    const res = await fetch(srv.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer test-admin-token' },
      body: JSON.stringify({ query: DELETE, variables: { id: 'resnet' } }),
    });
    expect((await res.json()).data.deleteModel).toBe('resnet');
  });

  it('a server listening beyond loopback without ADMIN_TOKEN refuses imports, saying why', async () => {
    const srv = await fresh({ host: '0.0.0.0' });
    expect(srv.app.admin.refusal).toMatch(/ADMIN_TOKEN is not set/);
    const r = await importModel(srv.url, resnet(), { id: 'resnet' });
    expect(r.status).toBe(403);
    expect(r.body.errors![0].extensions!.code).toBe('FORBIDDEN');
    expect(r.body.errors![0].message).toMatch(/listens on 0\.0\.0\.0, beyond this machine, and ADMIN_TOKEN is not set/);
    expect((await gqlData(srv.url, MODELS)).models).toHaveLength(1);
  });
});
