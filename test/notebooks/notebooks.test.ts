import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ENVIRONMENT_MODULE_NAMES } from '../../lib/constructs/project/notebook-lifecycle';
import { NOTEBOOKS_DIRECTORY } from '../../lib/constructs/project/project-storage';
import { resourcesOfType, synthesize } from '../helpers/synth';

/** Debian's python3 carries python3-nbformat (installed by .ci/run). */
const PYTHON = fs.existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
const CHECKER = path.join(__dirname, '..', '..', 'scripts', 'check_notebooks.py');

function check(folder: string) {
  const run = spawnSync(PYTHON, [CHECKER, folder, ...ENVIRONMENT_MODULE_NAMES], { encoding: 'utf8' });
  if (!run.stdout) throw new Error(`check_notebooks.py failed: ${run.stderr}`);
  return { status: run.status, ...(JSON.parse(run.stdout) as { notebooks: string[]; problems: string[] }) };
}

describe('sample notebooks', () => {
  test('are valid, output-free, compile, import only what the lifecycle writes, and fetch nothing outside', () => {
    const report = check(NOTEBOOKS_DIRECTORY);
    expect(report.problems).toEqual([]);
    expect(report.notebooks).toEqual(['00-platform-tour.ipynb', '01-data-scientist.ipynb', '02-mlops.ipynb']);
    expect(report.status).toBe(0);
  });

  test('the checker fails on stored outputs, bad code, unknown environment names and URLs', () => {
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'sds-nb-'));
    const notebook = JSON.parse(fs.readFileSync(path.join(NOTEBOOKS_DIRECTORY, '00-platform-tour.ipynb'), 'utf8')) as {
      cells: Record<string, unknown>[];
    };
    notebook.cells.push(
      {
        cell_type: 'code',
        metadata: {},
        execution_count: 3,
        outputs: [{ output_type: 'stream', name: 'stdout', text: 'x' }],
        source: 'print(1)',
      },
      { cell_type: 'code', metadata: {}, execution_count: null, outputs: [], source: 'def broken(:\n  pass' },
      {
        cell_type: 'code',
        metadata: {},
        execution_count: null,
        outputs: [],
        source: 'from sagemaker_environment import SECRET_BUCKET',
      },
      {
        cell_type: 'code',
        metadata: {},
        execution_count: null,
        outputs: [],
        source: 'import pandas as pd\npd.read_csv("https://archive.example.org/data.csv")',
      },
    );
    fs.writeFileSync(path.join(folder, 'bad.ipynb'), JSON.stringify(notebook));
    const report = check(folder);
    expect(report.status).toBe(1);
    expect(report.problems).toEqual([
      expect.stringMatching(/stored outputs/),
      expect.stringMatching(/stored execution count/),
      expect.stringMatching(/does not compile/),
      expect.stringMatching(/imports SECRET_BUCKET/),
      expect.stringMatching(/a URL in code/),
    ]);
  });

  test('the project repository is seeded with notebooks/ (read from the synthesized assembly)', () => {
    const synthesized = synthesize();
    const template = synthesized.product(synthesized.platform.portfolio.projectEnvironment);
    const [[, repository]] = resourcesOfType(template, 'AWS::CodeCommit::Repository');
    const key = (repository.Code as { S3: { Key: string } }).S3.Key;
    const manifest = JSON.parse(
      fs.readFileSync(path.join(synthesized.outdir, 'AdminPortfolio.assets.json'), 'utf8'),
    ) as {
      files: Record<string, { source: { path: string; packaging?: string } }>;
    };
    const asset = manifest.files[key.replace(/\.zip$/, '')];
    expect(asset?.source.packaging).toBe('zip');
    const staged = path.join(synthesized.outdir, asset.source.path);
    for (const file of [
      '00-platform-tour.ipynb',
      '01-data-scientist.ipynb',
      '02-mlops.ipynb',
      'util/data.py',
      'util/models.py',
    ]) {
      expect(fs.existsSync(path.join(staged, file))).toBe(true);
    }
  });
});
