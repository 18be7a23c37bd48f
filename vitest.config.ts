import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    environment: 'node',
    // Model tests load 28 MB of weights and run real gradients on a 2-core machine.
    testTimeout: 300_000,
    hookTimeout: 300_000,
    // One file at a time: files start their own engine workers and servers, and the
    // event-loop latency checks must not compete with another file's compute.
    fileParallelism: false,
    reporters: ['default'],
    projects: [
      {
        extends: true,
        // One graphql instance: Pothos and Yoga load its CommonJS build (Node resolves `main`), so
        // transformed files must too, or schema objects fail graphql's instanceof checks.
        resolve: { alias: [{ find: /^graphql$/, replacement: 'graphql/index.js' }] },
        test: { name: 'server', include: ['test/**/*.test.ts'], exclude: ['test/client/**', '**/node_modules/**'] },
      },
      // Dashboard component tests: Solid's compiler and jsdom (test/client/vitest.config.ts).
      'test/client/vitest.config.ts',
    ],
  },
});
