import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { NODE_ENGINES } from '../../scripts/node-support';

const ROOT = path.join(__dirname, '..', '..');
const WARNING = /NodeVersionSupportWarning/;

describe('supported Node.js versions', () => {
  test('package.json engines and the README say the same', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { engines: { node: string } };
    expect(pkg.engines.node).toBe(NODE_ENGINES);
    const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8').replace(/\s+/g, ' ');
    // Every statement of the workstation's Node.js version names 22 and 24 as supported, 20.19 as still working.
    const statements = [...readme.matchAll(/Node\.js (\d[^,;.)]*)/g)].map((m) => m[1].trim());
    expect(statements.filter((s) => !/^24$/.test(s))).toEqual(['22 or 24 LTS', '22 or 24 LTS']);
    expect(readme).toContain('20.19+ still works, past its end of life');
  });
});

describe("the AWS SDK's Node-version warning", () => {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'node-warning-'));
  afterAll(() => fs.rmSync(home, { recursive: true, force: true }));
  // No credentials anywhere, and no instance metadata lookup: the SDK fails fast and offline.
  const env = {
    PATH: process.env.PATH ?? '',
    HOME: home,
    AWS_CONFIG_FILE: path.join(home, 'config'),
    AWS_SHARED_CREDENTIALS_FILE: path.join(home, 'credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
  };
  const node = (args: string[]) => spawnSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8', env });
  const major = Number(process.versions.node.split('.')[0]);

  test('is printed by a bare client on this Node.js when older than 22 (so the next test can fail)', () => {
    const bare = node(['-e', "new (require('@aws-sdk/client-sts').STSClient)({ region: 'eu-west-1' })"]);
    if (major < 22) expect(bare.stderr).toMatch(WARNING);
    else expect(bare.stderr).not.toMatch(WARNING);
  });

  test('stays out of CLI output of a script that creates clients', () => {
    const run = node(['--import', 'tsx', 'scripts/preflight.ts', '--account', '--region', 'eu-west-1']);
    expect(run.stderr).toMatch(/no usable AWS credentials/);
    expect(run.stderr).not.toMatch(WARNING);
    expect(run.status).toBe(2);
  });
});
