#!/usr/bin/env node
// The `gfr-studio` command (package.json "bin"): runs the TypeScript command line (cli/gfr.ts) through tsx's
// loader, so the engine's sources run as they are, with no build step between a checkout and the command.
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

register();
await import(fileURLToPath(import.meta.resolve('../cli/gfr.ts')));
