/**
 * The files of a standalone backend plugin package (`glm new-backend`): the skeleton backend as a
 * JavaScript module that imports only `glm-sdk/plugin`, its conformance entry, a package.json with a
 * peer dependency on glm-sdk and a conformance script, a README and the conformance CI workflow.
 * Pure: returns the files; the command checks the destination and writes them.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GlmError } from '../core/errors.js';

export interface KitNames {
  /** The backend's name (plugin.name, reports, conformance.yaml). */
  readonly backend: string;
  /** The npm package name. */
  readonly packageName: string;
}

/** Backend names: lower case, digits and dashes, starting with a letter (they become a package name). */
const BACKEND_NAME = /^[a-z][a-z0-9-]{0,49}$/;
const PACKAGE_PREFIX = 'glm-backend-';

export function kitNames(name: string): KitNames {
  const backend = name.startsWith(PACKAGE_PREFIX) ? name.slice(PACKAGE_PREFIX.length) : name;
  if (!BACKEND_NAME.test(backend) || backend.endsWith('-')) {
    throw new GlmError('usage', `glm new-backend: "${name}" is not a backend name (lower-case letters, digits and dashes, starting with a letter, at most 50)`);
  }
  return { backend, packageName: `${PACKAGE_PREFIX}${backend}` };
}

/** The relative import of the compiled skeleton, which becomes the package import. */
const SKELETON_SPECIFIER = '../../core/backend-api/plugin-api.js';
const SKELETON_IMPORT = `from '${SKELETON_SPECIFIER}'`;
const SKELETON_NAME = "const NAME = 'skeleton';";

/**
 * The built-in skeleton (dist/backends/skeleton/index.js, compiled from backends/skeleton/index.ts)
 * made standalone: its one import points at glm-sdk/plugin and its NAME is the new backend's. Fails
 * loudly if the compiled skeleton changed shape (another relative import would not resolve outside).
 */
export function skeletonModule(compiled: string, backend: string): string {
  if (compiled.split(SKELETON_IMPORT).length !== 2 || compiled.split(SKELETON_NAME).length !== 2) {
    throw new Error(`the compiled skeleton no longer has exactly one ${SKELETON_IMPORT} and one ${SKELETON_NAME}`);
  }
  const module = compiled
    .replace(SKELETON_IMPORT, "from 'glm-sdk/plugin'")
    .replace(SKELETON_NAME, `const NAME = ${JSON.stringify(backend)};`)
    .replace(/\n\/\/# sourceMappingURL=.*$/, '\n');
  // Static (`from '…'`), side-effect (`import '…'`) and dynamic (`import('…')`) imports alike.
  const relative = module.match(/(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)['"]\.{1,2}\/[^'"]*['"]/);
  if (relative) throw new Error(`the standalone skeleton still has a relative import: ${relative[0]}`);
  return module;
}

export function conformanceEntry(template: string, names: KitNames): string {
  return template
    .replace(/^backend: skeleton$/m, `backend: ${names.backend}`)
    .replace(/^certify: .*$/m, `certify: npx glm conformance --backend ${names.packageName} --report conformance.json --junit conformance.xml`)
    .replace(/^runs-on: .*$/m, 'runs-on: "TODO — the machine this backend needs (driver, device or emulator)"');
}

export function packageJson(names: KitNames, sdkVersion: string): string {
  const manifest = {
    name: names.packageName,
    version: '0.1.0',
    description: `The ${names.backend} backend for glm-sdk (a plugin package made by glm new-backend)`,
    type: 'module',
    main: './index.js',
    exports: { '.': './index.js', './package.json': './package.json' },
    files: ['index.js', 'conformance.yaml', 'README.md'],
    keywords: ['glm-sdk', 'glm-sdk-backend'],
    engines: { node: '>=20' },
    scripts: {
      // Plain JavaScript: no compile step; "build" checks that the module parses.
      build: 'node --check index.js',
      probe: 'glm backends --backend ./index.js',
      conformance: `glm conformance --backend ${names.packageName} --report conformance.json --junit conformance.xml`,
    },
    peerDependencies: { 'glm-sdk': `^${sdkVersion}` },
  };
  return JSON.stringify(manifest, null, 2) + '\n';
}

/** glm-sdk's plugin workflow (conformance/ci/plugin-workflow.yml), pointed at this package's entry. */
export function ciWorkflow(template: string | undefined, names: KitNames): string {
  if (template !== undefined) return template.replaceAll('./dist/index.js', './index.js');
  return `# Conformance CI for ${names.packageName}: the suite against cpu-ref on every push.
name: conformance
on: [push, pull_request, workflow_dispatch]
permissions:
  contents: read
jobs:
  certify:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-node@v4
        with:
          node-version: 20
      - run: npm install
      - run: npm run conformance
      - uses: actions/upload-artifact@v4
        if: always()
        with:
          name: conformance
          path: conformance.*
`;
}

export function readme(names: KitNames): string {
  const { backend, packageName } = names;
  return `# ${packageName}

The \`${backend}\` backend for [glm-sdk](https://www.npmjs.com/package/glm-sdk), as a plugin package.
Made by \`glm new-backend ${backend}\` from glm-sdk's skeleton: it loads, probes and opens, keeps tensors
in host memory and answers "unimplemented" for every op, so the conformance suite reports every case
unsupported. Fill in \`index.js\` in this order: \`probe()\`, \`memory\`, \`supports()\`, \`compile()\`
(glm-sdk's docs/plugin-guide.md has the contract).

| file | what it is |
|---|---|
| \`index.js\` | the plugin: an ES module whose default export is the \`BackendPlugin\`; it imports only \`glm-sdk/plugin\` (no build step) |
| \`conformance.yaml\` | how to certify it and the cases you know fail, each with its reason (\`glm conformance\` reads it) |
| \`package.json\` | \`glm-sdk\` is a peer dependency: the plugin uses the SDK of the application that loads it |
| \`.github/workflows/conformance.yml\` | the conformance suite in CI |

## Develop
\`\`\`sh
npm install                 # installs the glm-sdk peer dependency (npm >= 7)
npm run probe               # glm backends --backend ./index.js: loads it by path, prints its probe
npm run conformance         # glm conformance --backend ${packageName}: every case against cpu-ref
\`\`\`
Where glm-sdk does not come from a registry you use, install it from its tarball
(\`npm pack\` in glm-sdk, then \`npm install --save-dev /path/to/glm-sdk-<version>.tgz\`). Commit
\`package-lock.json\`: the CI workflow installs with \`npm ci\`.

## Use
\`\`\`sh
npx glm run --backend ./path/to/${packageName}/index.js     # by path
npm install ${packageName} && npx glm run --backend ${packageName}   # by package name
\`\`\`
From a program: \`openSession(model, { backend: '${packageName}' })\` (\`import { … } from 'glm-sdk'\`).

## Errors
Throw \`GlmError\` from \`glm-sdk/plugin\` with the kind that fits (\`'backend'\`, \`'resource'\`,
\`'unsupported'\`, …): \`glm\` prints its message on one line and exits with that kind's code (6, 7, 5, …).
Your copy of glm-sdk may differ from the application's: errors are recognised by their brand
(\`Symbol.for('glm-sdk.error')\`) and \`code\`, never by \`instanceof\`; test them with \`isGlmError(e)\`.
`;
}

/** Where the kit's templates live in the installed glm-sdk. */
export function kitTemplates(packageRoot: string) {
  const compiledSkeleton = fileURLToPath(new URL('../backends/skeleton/index.js', import.meta.url));
  const workflow = join(packageRoot, 'conformance', 'ci', 'plugin-workflow.yml');
  return {
    skeleton: readFileSync(compiledSkeleton, 'utf8'),
    conformance: readFileSync(join(packageRoot, 'backends', 'skeleton', 'conformance.yaml'), 'utf8'),
    workflow: existsSync(workflow) ? readFileSync(workflow, 'utf8') : undefined,
  };
}

/** Every file of the package, by path relative to its folder. */
export function kitFiles(names: KitNames, sdkVersion: string, templates: ReturnType<typeof kitTemplates>): Map<string, string> {
  return new Map([
    ['package.json', packageJson(names, sdkVersion)],
    ['index.js', skeletonModule(templates.skeleton, names.backend)],
    ['conformance.yaml', conformanceEntry(templates.conformance, names)],
    ['README.md', readme(names)],
    ['.gitignore', 'node_modules/\nconformance.json\nconformance.xml\nconformance-results/\n'],
    ['.github/workflows/conformance.yml', ciWorkflow(templates.workflow, names)],
  ]);
}
