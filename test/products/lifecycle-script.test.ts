import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ENVIRONMENT_MODULE_NAMES, ON_START_SCRIPT } from '../../lib/constructs/project/notebook-lifecycle';
import { canRun, SHELLCHECK } from '../../scripts/optional-tool';
import { synthesize } from '../helpers/synth';

/** Sandboxes of this file's runs, removed when its tests are done. */
const sandboxes: string[] = [];
afterAll(() => {
  for (const dir of sandboxes.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** Runs the OnStart script as the notebook would, with stand-ins for `aws` and `chown` and a fake home. */
function runOnStart(values: Record<string, string>, tags: Record<string, string> | undefined) {
  const sandbox = fs.mkdtempSync(path.join(os.tmpdir(), 'sds-onstart-'));
  sandboxes.push(sandbox);
  const home = path.join(sandbox, 'home');
  const bin = path.join(sandbox, 'bin');
  fs.mkdirSync(home);
  fs.mkdirSync(bin);
  const calls = path.join(sandbox, 'calls.log');
  // aws: answers list-tags from the given tags, and records every call.
  fs.writeFileSync(
    path.join(bin, 'aws'),
    `#!/bin/sh\necho "aws $*" >> ${calls}\n` +
      `case "$*" in *OwnerUserName*) echo "${tags?.OwnerUserName ?? 'None'}";; *OwnerEmail*) echo "${tags?.OwnerEmail ?? 'None'}";; esac\n`,
    { mode: 0o755 },
  );
  fs.writeFileSync(path.join(bin, 'chown'), `#!/bin/sh\necho "chown $*" >> ${calls}\n`, { mode: 0o755 });
  const metadata = path.join(sandbox, 'resource-metadata.json');
  fs.writeFileSync(
    metadata,
    JSON.stringify({
      ResourceArn: 'arn:aws:sagemaker:eu-west-1:111122223333:notebook-instance/sds-proj-alpha-dev-jane',
    }),
  );
  const exports = Object.entries(values)
    .map(([k, v]) => `export ${k}='${v}'\n`)
    .join('');
  const script = path.join(sandbox, 'on-start.sh');
  fs.writeFileSync(script, `#!/bin/bash\n${exports}${fs.readFileSync(ON_START_SCRIPT, 'utf8')}`);
  const result = spawnSync('bash', [script], {
    encoding: 'utf8',
    env: {
      PATH: `${bin}:${process.env.PATH}`,
      SDS_USER_HOME: home,
      SDS_RESOURCE_METADATA: tags ? metadata : path.join(sandbox, 'absent.json'),
      HOME: home,
    },
  });
  return { result, home, calls: fs.existsSync(calls) ? fs.readFileSync(calls, 'utf8') : '' };
}

const VALUES = {
  SDS_PROJECT_NAME: 'alpha',
  SDS_ENV_TYPE: 'dev',
  SDS_REGION: 'eu-west-1',
  SDS_VPC_ID: 'vpc-0a1',
  SDS_SUBNET_IDS: 'subnet-1,subnet-2,subnet-3',
  SDS_SECURITY_GROUP_ID: 'sg-0b2',
  SDS_KMS_KEY_ARN: 'arn:aws:kms:eu-west-1:111122223333:key/k-1',
  SDS_DATA_BUCKET: 'sds-proj-alpha-dev-data-111122223333',
  SDS_MODEL_BUCKET: 'sds-proj-alpha-dev-models-111122223333',
  SDS_PIP_INDEX_URL: 'http://vpce-0abc.vpce-svc-1.eu-west-1.vpce.amazonaws.com',
  SDS_PIP_TRUSTED_HOST: 'vpce-0abc.vpce-svc-1.eu-west-1.vpce.amazonaws.com',
  SDS_MODEL_NAME_PREFIX: 'sds-proj-alpha-dev-',
  SDS_IMAGE_REPOSITORY: '111122223333.dkr.ecr.eu-west-1.amazonaws.com/sds-proj-alpha-dev-images-0a1b2c3d',
};

describe('notebook OnStart script', () => {
  (canRun(SHELLCHECK, 'linting the OnStart script') ? test : test.skip)('passes shellcheck', () => {
    expect(() => execFileSync('shellcheck', ['--shell=bash', ON_START_SCRIPT], { encoding: 'utf8' })).not.toThrow();
  });

  test('writes an importable environment module with every promised name and the project values', () => {
    const { result, home } = runOnStart(VALUES, { OwnerUserName: 'jane', OwnerEmail: 'jane@example.com' });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const moduleDir = path.join(home, '.sagemaker-environment');
    const probe = spawnSync(
      'python3',
      [
        '-c',
        `import json, sagemaker_environment as e; print(json.dumps({n: getattr(e, n) for n in ${JSON.stringify([...ENVIRONMENT_MODULE_NAMES])}}))`,
      ],
      { encoding: 'utf8', env: { ...process.env, PYTHONPATH: moduleDir } },
    );
    expect(probe.stderr).toBe('');
    const module = JSON.parse(probe.stdout) as Record<string, unknown>;
    expect(module).toMatchObject({
      PROJECT_NAME: 'alpha',
      VPC_SUBNETS: ['subnet-1', 'subnet-2', 'subnet-3'],
      VPC_SECURITY_GROUP_IDS: ['sg-0b2'],
      KMS_KEY_ID: VALUES.SDS_KMS_KEY_ARN,
      DATA_BUCKET: VALUES.SDS_DATA_BUCKET,
      NETWORK_CONFIG: { VpcConfig: { Subnets: ['subnet-1', 'subnet-2', 'subnet-3'], SecurityGroupIds: ['sg-0b2'] } },
      MODEL_NAME_PREFIX: 'sds-proj-alpha-dev-',
    });
    const startup = fs.readFileSync(
      path.join(home, '.ipython/profile_default/startup/00-sagemaker-environment.py'),
      'utf8',
    );
    expect(startup).toContain(`sys.path.insert(0, "${moduleDir}")`);
  });

  test('points pip at the mirror only, trusting its host when it is plain HTTP', () => {
    const { home } = runOnStart(VALUES, undefined);
    expect(fs.readFileSync(path.join(home, '.config/pip/pip.conf'), 'utf8')).toBe(
      '[global]\nindex-url = http://vpce-0abc.vpce-svc-1.eu-west-1.vpce.amazonaws.com/simple/\n' +
        'trusted-host = vpce-0abc.vpce-svc-1.eu-west-1.vpce.amazonaws.com\ntimeout = 30\n',
    );
    const tls = runOnStart(
      { ...VALUES, SDS_PIP_INDEX_URL: 'https://pypi.data.example.com', SDS_PIP_TRUSTED_HOST: '' },
      undefined,
    );
    expect(fs.readFileSync(path.join(tls.home, '.config/pip/pip.conf'), 'utf8')).not.toContain('trusted-host');
  });

  test('sets the git identity from the owner tags of its own notebook', () => {
    const { home, calls } = runOnStart(VALUES, { OwnerUserName: 'jane', OwnerEmail: 'jane@example.com' });
    expect(fs.readFileSync(path.join(home, '.gitconfig'), 'utf8')).toMatch(
      /name = jane[\s\S]*email = jane@example.com/,
    );
    expect(calls).toContain(
      'aws sagemaker list-tags --resource-arn arn:aws:sagemaker:eu-west-1:111122223333:notebook-instance/sds-proj-alpha-dev-jane',
    );
    expect(calls).toMatch(/chown -R ec2-user:ec2-user/);
  });

  test('the synthesized lifecycle configuration carries exactly this script after the project values', () => {
    const synthesized = synthesize();
    const template = synthesized.product(synthesized.platform.portfolio.projectEnvironment);
    const [config] = Object.values(template.Resources).filter(
      (r) => r.Type === 'AWS::SageMaker::NotebookInstanceLifecycleConfig',
    );
    const content = JSON.stringify(config.Properties!.OnStart);
    expect(content).toContain('Fn::Base64');
    for (const name of Object.keys(VALUES)) expect(content).toContain(`export ${name}='`);
    expect(content).toContain(JSON.stringify(fs.readFileSync(ON_START_SCRIPT, 'utf8')).slice(1, 200));
  });
});
