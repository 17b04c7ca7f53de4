#!/usr/bin/env node
// The `glm` command. The SDK is TypeScript compiled to dist/ by `npm install` (the prepare script).
import { runCli } from '../dist/cli/main.js';

await runCli(process.argv.slice(2));
