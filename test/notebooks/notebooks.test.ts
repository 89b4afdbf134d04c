import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ENVIRONMENT_MODULE_NAMES } from '../../lib/constructs/project/notebook-lifecycle';
import { NOTEBOOKS_DIRECTORY } from '../../lib/constructs/project/project-storage';
import { canRun, PYTHON3 } from '../../scripts/optional-tool';
import { checkNotebooks, environmentImports, nbformatProblems } from '../helpers/notebook-check';
import { resourcesOfType, synthesize } from '../helpers/synth';
import { TEST_NAMES } from '../helpers/names';

/** Compiling the Python in the notebooks needs python3; the format checks do not. */
const compileWithPython = canRun(PYTHON3, "compiling the notebooks' Python");
const check = (folder: string) => checkNotebooks(folder, ENVIRONMENT_MODULE_NAMES, { compileWithPython });
const readNotebook = () =>
  JSON.parse(fs.readFileSync(path.join(NOTEBOOKS_DIRECTORY, '00-platform-tour.ipynb'), 'utf8')) as {
    cells: Record<string, unknown>[];
  } & Record<string, unknown>;

describe('sample notebooks', () => {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), `${TEST_NAMES.prefix}-nb-`));
  afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));
  /** A folder holding one notebook, `00-platform-tour` changed by `edit`. */
  const folderWith = (name: string, edit: (nb: ReturnType<typeof readNotebook>) => void) => {
    const folder = fs.mkdtempSync(path.join(scratch, `${name}-`));
    const notebook = readNotebook();
    edit(notebook);
    fs.writeFileSync(path.join(folder, 'bad.ipynb'), JSON.stringify(notebook));
    return folder;
  };

  test('are valid, output-free, compile, import only what the lifecycle writes, and fetch nothing outside', () => {
    const report = check(NOTEBOOKS_DIRECTORY);
    expect(report.problems).toEqual([]);
    expect(report.notebooks).toEqual(['00-platform-tour.ipynb', '01-data-scientist.ipynb', '02-mlops.ipynb']);
  });

  test('the checker fails on stored outputs, unknown environment names and URLs (and bad code, with python3)', () => {
    const folder = folderWith('content', (notebook) =>
      notebook.cells.push(
        {
          id: 'stored',
          cell_type: 'code',
          metadata: {},
          execution_count: 3,
          outputs: [{ output_type: 'stream', name: 'stdout', text: 'x' }],
          source: 'print(1)',
        },
        {
          id: 'broken',
          cell_type: 'code',
          metadata: {},
          execution_count: null,
          outputs: [],
          source: 'def broken(:\n  pass',
        },
        {
          id: 'secret',
          cell_type: 'code',
          metadata: {},
          execution_count: null,
          outputs: [],
          source: ['from sagemaker_environment import (\n', '    PROJECT_NAME,  # fine\n', '    SECRET_BUCKET,\n', ')'],
        },
        {
          id: 'url',
          cell_type: 'code',
          metadata: {},
          execution_count: null,
          outputs: [],
          source: 'import pandas as pd\npd.read_csv("https://archive.example.org/data.csv")',
        },
      ),
    );
    const report = check(folder);
    expect(report.problems).toEqual([
      expect.stringMatching(/cell \d+: stored outputs/),
      expect.stringMatching(/stored execution count/),
      expect.stringMatching(/imports SECRET_BUCKET, which/),
      expect.stringMatching(/a URL in code/),
      ...(compileWithPython ? [expect.stringMatching(/cell \d+: does not compile: .* \(line 1\)/)] : []),
    ]);
  });

  test('the checker fails on notebooks that break the nbformat v4 schema', () => {
    const folder = folderWith('format', (notebook) => {
      notebook.nbformat = 3;
      notebook.worksheets = [];
      delete notebook.cells[0].id;
      notebook.cells[1].id = notebook.cells[2].id;
      delete notebook.cells[2].outputs;
      notebook.cells.push({ cell_type: 'heading', metadata: {}, source: '# old' });
    });
    expect(check(folder).problems).toEqual([
      "bad.ipynb: invalid notebook: unexpected key 'worksheets'",
      'bad.ipynb: invalid notebook: nbformat 3, expected 4',
      "bad.ipynb: invalid notebook: cell 0: missing 'id'",
      "bad.ipynb: invalid notebook: cell 2: missing 'outputs'",
      expect.stringMatching(/^bad.ipynb: invalid notebook: cell 2: duplicate id/),
      expect.stringMatching(/cell \d+: unknown cell_type "heading"/),
    ]);
  });

  test('the format rules accept a minimal v4.4 notebook (cell ids optional before 4.5) and refuse non-objects', () => {
    const minimal = {
      nbformat: 4,
      nbformat_minor: 4,
      metadata: {},
      cells: [{ cell_type: 'code', metadata: {}, source: [], outputs: [], execution_count: null }],
    };
    expect(nbformatProblems(minimal)).toEqual([]);
    expect(nbformatProblems({ ...minimal, nbformat_minor: 5 })).toEqual(["cell 0: missing 'id'"]);
    expect(nbformatProblems([])).toEqual(['not a JSON object']);
    expect(nbformatProblems({ ...minimal, metadata: { kernelspec: { name: 'python3' } } })).toEqual([
      'metadata.kernelspec needs string name and display_name',
    ]);
  });

  test('reads imports on one line, in parentheses and across backslashes', () => {
    expect(
      environmentImports(
        'from sagemaker_environment import A, B as b\nfrom sagemaker_environment import (\n  C,\n  D,  # x\n)\n' +
          'from sagemaker_environment import E, \\\n  F\nfrom other import G',
      ),
    ).toEqual(['A', 'B', 'C', 'D', 'E', 'F']);
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
      'util/endpoint.py',
      'util/models.py',
      'util/prepare.py',
    ]) {
      expect(fs.existsSync(path.join(staged, file))).toBe(true);
    }
  });
});
