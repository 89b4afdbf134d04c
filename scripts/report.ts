/**
 * `npm run report`: writes the auditor's report of every acknowledged guardrail finding (rule, pack,
 * resource path, reason) as Markdown and CSV into the cloud assembly. `cdk synth` writes it too.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command } from 'commander';
import { writeAcknowledgementReport } from '../lib/synth-checks/acknowledgement-report';
import { Io, parseCommandLine, PROCESS_IO, runAsScript, USAGE_ERROR } from './cli';

/** `npm run report`; resolves to the exit code. */
export function main(argv: string[], io: Io = PROCESS_IO): number {
  const parsed = parseCommandLine(
    new Command('npm run report --')
      .description('Writes every acknowledged guardrail finding as Markdown and CSV into the cloud assembly.')
      .argument('[assembly]', "cloud assembly to read (run 'npm run synth' first)", 'cdk.out'),
    argv,
    io,
  );
  if (typeof parsed === 'number') return parsed;
  const dir = parsed.processedArgs[0] as string;
  if (!fs.existsSync(path.join(dir, 'manifest.json'))) {
    io.err(`report: no cloud assembly in ${dir}: run 'npm run synth' first`);
    return USAGE_ERROR;
  }
  const { files, count } = writeAcknowledgementReport(dir);
  io.out(`report: ${count} acknowledged findings in ${files.join(' and ')}`);
  return 0;
}

if (require.main === module) runAsScript('report', (argv) => main(argv));
