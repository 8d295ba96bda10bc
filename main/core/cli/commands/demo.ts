import { runDemo } from '../../demo/run-demo.js';
import { JSON_OPT, type Command } from '../command.js';
import { printJson } from '../output.js';

export const demoCommand: Command = {
  path: ['demo'],
  usage: 'wxprov demo [--keep] [--json]',
  summary: 'Run the whole flow on the built-in simulators and print a report',
  options: { ...JSON_OPT, keep: { type: 'boolean' } },
  async run(v, _p, io) {
    const report = await runDemo({
      keep: v.keep === true,
      onStep: v.json ? undefined : (s) => io.stdout.write(`${s.ok ? '✓' : '✗'} ${s.step.padEnd(24)} ${s.detail}\n`),
    });
    if (v.json) printJson(io.stdout, report);
    else {
      io.stdout.write(`\n${report.ok ? 'DEMO PASSED' : 'DEMO FAILED'}: simulator ${report.api_base}`);
      io.stdout.write(v.keep ? `, data kept in ${report.home}\n` : '\n');
    }
    return report.ok ? 0 : 1;
  },
};
