import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { TEST_NAMES, withPrefix } from '../helpers/names';

const ROOT = path.join(__dirname, '..', '..');

/**
 * The scripts leave nothing in the temp directory. Each runs as a process with TMPDIR pointing at a
 * private empty folder (Node's os.tmpdir() and Python's tempfile both read it), which must still be
 * empty afterwards; other test files running in parallel cannot disturb it.
 */
describe('scripts leave nothing in the temp directory', () => {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'temp-audit-'));
  afterAll(() => fs.rmSync(base, { recursive: true, force: true }));
  const requirements = path.join(base, 'requirements.txt');
  fs.writeFileSync(requirements, 'six==1.16.0\n');
  /** Stand-in for `python3 -m pip download`: writes a wheel into --dest, then exits with `status`. */
  const fakePython = (status: number) => {
    const file = path.join(base, `python-${status}`);
    fs.writeFileSync(
      file,
      '#!/bin/sh\nwhile [ $# -gt 0 ]; do [ "$1" = --dest ] && dest=$2; shift; done\n' +
        `echo wheel > "$dest/six-1.16.0-py2.py3-none-any.whl"\nexit ${status}\n`,
      { mode: 0o755 },
    );
    return file;
  };
  const run = (script: string, argv: string[], env: Record<string, string> = {}) => {
    const tmp = fs.mkdtempSync(path.join(base, 'tmp-'));
    const result = spawnSync(process.execPath, ['--import', 'tsx', `scripts/${script}.ts`, ...argv], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '', HOME: base, TMPDIR: tmp, ...env },
    });
    // tsx keeps one transform cache per user (tsx-<uid>), reused by every run: it does not grow per run.
    return { ...result, left: fs.readdirSync(tmp).filter((f) => !/^tsx-\d+$/.test(f)) };
  };
  const stage = [
    '--requirements',
    requirements,
    '--bucket',
    `${TEST_NAMES.prefix}-shared-approved-packages`,
    '--dry-run',
  ];

  test('stage-packages removes its download folder after a dry run', () => {
    const result = run('stage-packages', stage, { PYTHON: fakePython(0) });
    expect(result.stdout).toMatch(
      withPrefix('would upload s3://<prefix>-shared-approved-packages/packages/six-1\\.16\\.0'),
    );
    expect(result.status).toBe(0);
    expect(result.left).toEqual([]);
  });

  test('stage-packages removes its download folder when pip fails', () => {
    const result = run('stage-packages', stage, { PYTHON: fakePython(1) });
    expect(result.stderr).toMatch(/^stage-packages: pip download failed/);
    expect(result.status).toBe(1);
    expect(result.left).toEqual([]);
  });

  test('stage-packages keeps a --download-dir the user named', () => {
    const keep = path.join(base, 'wheels');
    const result = run('stage-packages', [...stage, '--download-dir', keep], { PYTHON: fakePython(0) });
    expect(result.status).toBe(0);
    expect(fs.readdirSync(keep)).toEqual(['six-1.16.0-py2.py3-none-any.whl']);
    expect(result.left).toEqual([]);
  });

  test("test:containers (the mirror's Python tests) leaves nothing", () => {
    const result = run('test-containers', []);
    expect(result.status).toBe(0);
    expect(result.left).toEqual([]);
  });

  test('check:templates (the Control Tower runner) leaves nothing', () => {
    const assembly = path.join(base, 'cdk.out');
    fs.mkdirSync(assembly);
    fs.writeFileSync(
      path.join(assembly, 'Tiny.template.json'),
      JSON.stringify({ Resources: { Topic: { Type: 'AWS::SNS::Topic', Properties: {} } } }),
    );
    const result = run('check-templates', [assembly]);
    expect(result.stdout).toMatch(/^check:templates: 1 templates/);
    expect(result.left).toEqual([]);
  });
});
