#!/usr/bin/env node
import { runCli } from './run.js';

const interrupted = new Promise<void>((resolve) => {
  process.once('SIGINT', resolve);
  process.once('SIGTERM', resolve);
});

// stdout may be a pipe closed early (`wxprov sign --file ... | head`): that is not an error.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
});

runCli(process.argv.slice(2), { interrupted }).then((code) => {
  // Exit once output is flushed: an idle keep-alive socket must not hold the shell for seconds.
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
});
