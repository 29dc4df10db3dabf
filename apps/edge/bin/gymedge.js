#!/usr/bin/env node
// The `gymedge` command. The core is TypeScript run through tsx's loader (no build step).
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
