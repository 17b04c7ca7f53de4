/**
 * Two test sets: `npm test` (the README's command; under 5 minutes on two cores) leaves out the
 * slow files, named `*.slow.test.ts` (npm pack + install, long evaluations, child processes running
 * whole suites); `npm run test:full` (GLM_TEST_FULL=1, what .ci/run runs) runs every file.
 */
import { configDefaults, defineConfig } from 'vitest/config';

const full = process.env['GLM_TEST_FULL'] === '1';

export default defineConfig({
  test: {
    exclude: [...configDefaults.exclude, ...(full ? [] : ['**/*.slow.test.ts'])],
    // Tests that start `glm` processes take a second or more each on a busy two-core machine; 5 s
    // (vitest's default) failed them by timing alone. A test with its own limit keeps it.
    testTimeout: 30_000,
  },
});
