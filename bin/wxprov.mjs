#!/usr/bin/env node
// Runs the TypeScript CLI through tsx, so `wxprov` works right after `npm install`.
import { register } from 'tsx/esm/api';

register();
await import('../main/core/cli/wxprov.ts');
