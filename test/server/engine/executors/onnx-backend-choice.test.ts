import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadNetwork } from '../../../../server/engine/network/network.js';

const network = loadNetwork();

describe('createExecutor backend choice', () => {
  afterEach(() => {
    vi.doUnmock('onnxruntime-node');
    vi.resetModules();
    vi.restoreAllMocks();
  });

  it('auto and onnx pick ONNX Runtime when it loads; tfjs picks TensorFlow.js', async () => {
    const { createExecutor } = await import('../../../../server/engine/executors/index.js');
    for (const [choice, backend] of [
      ['auto', 'onnxruntime-cpu'],
      ['onnx', 'onnxruntime-cpu'],
      ['tfjs', 'tfjs-wasm'],
    ] as const) {
      const e = await createExecutor(network, choice);
      expect(e.backend).toBe(backend);
      e.dispose();
    }
  });

  it('when onnxruntime-node fails to load, auto falls back to tfjs saying why, and onnx refuses', async () => {
    // Fault injection: the native binding throwing on import, as it does on an unsupported platform
    // (vitest wraps the factory's error, so only our own wording is checked).
    vi.doMock('onnxruntime-node', () => {
      throw new Error('libonnxruntime.so.1: cannot open shared object file');
    });
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const { createExecutor } = await import('../../../../server/engine/executors/index.js');
    const e = await createExecutor(network, 'auto');
    expect(e.backend).toBe('tfjs-wasm');
    expect(warn.mock.calls[0][0]).toMatch(/falling back to TensorFlow\.js: onnxruntime-node \(cpu\) does not load here/);
    e.dispose();
    await expect(createExecutor(network, 'onnx')).rejects.toMatchObject({
      code: 'BACKEND_UNAVAILABLE',
      message: expect.stringMatching(/--backend tfjs/),
    });
  });

  it('ENGINE_ORT_PROVIDER=cuda without the CUDA provider says how to install it; an unknown provider is refused', async () => {
    const { createExecutor } = await import('../../../../server/engine/executors/index.js');
    const { engineSettings } = await import('../../../../server/settings.js');
    const env = (provider: string) => ({ ...process.env, ENGINE_ORT_PROVIDER: provider });
    // Machines without the CUDA EP binaries (this one: allowScripts skips their download) must refuse clearly.
    await expect(createExecutor(network, 'onnx', engineSettings(env('cuda')).executor)).rejects.toMatchObject({
      code: 'BACKEND_UNAVAILABLE',
      message: expect.stringMatching(/ONNXRUNTIME_NODE_INSTALL=cuda12 node node_modules\/onnxruntime-node\/script\/install\.js/),
    });
    await expect(Promise.resolve().then(() => engineSettings(env('tpu')))).rejects.toMatchObject({
      code: 'BAD_ARGUMENT',
      message: expect.stringMatching(/cpu or cuda/),
    });
  });
});
