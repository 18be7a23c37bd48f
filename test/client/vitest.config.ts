import solid from 'vite-plugin-solid';
import { defineProject } from 'vitest/config';

/**
 * Component tests: Solid's JSX compiled by vite-plugin-solid (which also resolves solid-js to
 * its browser build, so reactivity runs) in jsdom. Server tests stay on node in the root project.
 */
export default defineProject({
  plugins: [solid()],
  test: {
    name: 'client',
    environment: 'jsdom',
    include: ['**/*.test.{ts,tsx}'],
    setupFiles: ['./setup.ts'],
  },
});
