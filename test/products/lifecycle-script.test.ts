import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  ENVIRONMENT_MODULE_NAMES,
  ON_START_SCRIPT,
  scriptBody,
  STUDIO_START_SCRIPT,
} from '../../lib/constructs/project/notebook-lifecycle';
import { studioPreamble } from '../../lib/constructs/studio/project-studio';
import { canRun, PYTHON3, SHELLCHECK } from '../../scripts/optional-tool';
import { synthesize } from '../helpers/synth';
import { TEST_NAMES, projectNamed } from '../helpers/names';

/** Sandboxes of this file's runs, removed when its tests are done. */
const sandboxes: string[] = [];
afterAll(() => {
  for (const dir of sandboxes.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** The notebook's OnStart body and the Studio JupyterLab start body, as CloudFormation assembles them. */
const NOTEBOOK_BODY = scriptBody(ON_START_SCRIPT);
const STUDIO_BODY = studioPreamble() + scriptBody(STUDIO_START_SCRIPT);

/** Resource metadata SageMaker writes in a Studio JupyterLab app of jane's private space. */
const STUDIO_METADATA = {
  AppType: 'JupyterLab',
  DomainId: 'd-0abc1def2ghi',
  SpaceName: 'jane-space',
  ResourceArn: 'arn:aws:sagemaker:eu-west-1:111122223333:app/d-0abc1def2ghi/jane-space/jupyterlab/default',
};

/**
 * Runs a lifecycle script as the workspace would, with stand-ins for `aws`, `chown` and `systemctl` and a fake
 * home: the notebook's OnStart by default, or `body` with `metadata` (Studio).
 */
function runOnStart(
  values: Record<string, string>,
  tags: Record<string, string> | undefined,
  studio?: { readonly body: string; readonly metadata: Record<string, string> },
) {
  const sandbox = fs.mkdtempSync(path.join(os.tmpdir(), `${TEST_NAMES.prefix}-onstart-`));
  sandboxes.push(sandbox);
  const home = path.join(sandbox, 'home');
  const bin = path.join(sandbox, 'bin');
  const units = path.join(sandbox, 'systemd');
  fs.mkdirSync(home);
  fs.mkdirSync(bin);
  fs.mkdirSync(units);
  const calls = path.join(sandbox, 'calls.log');
  // aws: answers list-tags from the given tags, and records every call.
  fs.writeFileSync(
    path.join(bin, 'aws'),
    `#!/bin/sh\necho "aws $*" >> ${calls}\n` +
      `case "$*" in *OwnerUserName*) echo "${tags?.OwnerUserName ?? 'None'}";; *OwnerEmail*) echo "${tags?.OwnerEmail ?? 'None'}";;` +
      ` *IdleStopMinutes*) echo "${tags?.IdleStopMinutes ?? 'None'}";; *describe-space*) echo jane;; esac\n`,
    { mode: 0o755 },
  );
  for (const command of ['chown', 'systemctl'])
    fs.writeFileSync(path.join(bin, command), `#!/bin/sh\necho "${command} $*" >> ${calls}\n`, { mode: 0o755 });
  const metadata = path.join(sandbox, 'resource-metadata.json');
  fs.writeFileSync(
    metadata,
    JSON.stringify(
      studio?.metadata ?? {
        ResourceArn: `arn:aws:sagemaker:eu-west-1:111122223333:notebook-instance/${projectNamed('alpha', 'dev', 'jane')}`,
      },
    ),
  );
  const exports = Object.entries(values)
    .map(([k, v]) => `export ${k}='${v}'\n`)
    .join('');
  const script = path.join(sandbox, 'on-start.sh');
  fs.writeFileSync(script, `#!/bin/bash\n${exports}${studio?.body ?? NOTEBOOK_BODY}`);
  const result = spawnSync('bash', [script], {
    encoding: 'utf8',
    env: {
      PATH: `${bin}:${process.env.PATH}`,
      SDS_USER_HOME: home,
      SDS_RESOURCE_METADATA: tags ? metadata : path.join(sandbox, 'absent.json'),
      SDS_IDLE_DIR: path.join(sandbox, 'idle'),
      SDS_SYSTEMD_DIR: units,
      HOME: home,
    },
  });
  return {
    result,
    home,
    sandbox,
    units,
    idleDir: path.join(sandbox, 'idle'),
    calls: fs.existsSync(calls) ? fs.readFileSync(calls, 'utf8') : '',
  };
}

const VALUES = {
  SDS_PROJECT_NAME: 'alpha',
  SDS_ENV_TYPE: 'dev',
  SDS_REGION: 'eu-west-1',
  SDS_VPC_ID: 'vpc-0a1',
  SDS_SUBNET_IDS: 'subnet-1,subnet-2,subnet-3',
  SDS_SECURITY_GROUP_ID: 'sg-0b2',
  SDS_KMS_KEY_ARN: 'arn:aws:kms:eu-west-1:111122223333:key/k-1',
  SDS_DATA_BUCKET: `${projectNamed('alpha', 'dev', 'data-111122223333')}`,
  SDS_MODEL_BUCKET: `${projectNamed('alpha', 'dev', 'models-111122223333')}`,
  SDS_PIP_INDEX_URL: 'http://vpce-0abc.vpce-svc-1.eu-west-1.vpce.amazonaws.com',
  SDS_PIP_TRUSTED_HOST: 'vpce-0abc.vpce-svc-1.eu-west-1.vpce.amazonaws.com',
  SDS_MODEL_NAME_PREFIX: `${TEST_NAMES.projectNamespace}alpha-dev-`,
  SDS_IMAGE_REPOSITORY: `111122223333.dkr.ecr.eu-west-1.amazonaws.com/${projectNamed('alpha', 'dev', 'images-0a1b2c3d')}`,
};

describe('notebook OnStart script', () => {
  (canRun(SHELLCHECK, 'linting the lifecycle scripts') ? test : test.skip)(
    'passes shellcheck, as the notebook and the Studio script',
    () => {
      for (const body of [NOTEBOOK_BODY, STUDIO_BODY]) {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${TEST_NAMES.prefix}-shellcheck-`));
        sandboxes.push(dir);
        const file = path.join(dir, 'script.sh');
        fs.writeFileSync(file, `#!/bin/bash\n${body}`);
        expect(() => execFileSync('shellcheck', ['--shell=bash', file], { encoding: 'utf8' })).not.toThrow();
      }
    },
  );

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
      MODEL_NAME_PREFIX: `${TEST_NAMES.projectNamespace}alpha-dev-`,
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
      `aws sagemaker list-tags --resource-arn arn:aws:sagemaker:eu-west-1:111122223333:notebook-instance/${projectNamed('alpha', 'dev', 'jane')}`,
    );
    expect(calls).toMatch(/chown -R ec2-user:ec2-user/);
  });

  test('installs the idle check as a systemd timer with the minutes of its own notebook, root-owned', () => {
    const { result, units, idleDir, calls } = runOnStart(VALUES, {
      OwnerUserName: 'jane',
      OwnerEmail: 'jane@example.com',
      IdleStopMinutes: '30',
    });
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('idle stop after 30 minutes (systemd timer)');
    expect(fs.readFileSync(path.join(units, `${TEST_NAMES.prefix}-idle-stop.service`), 'utf8')).toContain(
      `ExecStart=/usr/bin/python3 ${idleDir}/idle_stop.py 30 eu-west-1 ${idleDir}/started`,
    );
    expect(fs.readFileSync(path.join(units, `${TEST_NAMES.prefix}-idle-stop.timer`), 'utf8')).toContain(
      'OnUnitActiveSec=5min',
    );
    // The CLI the lifecycle script found (here the stand-in), since the timer's PATH differs.
    expect(fs.readFileSync(path.join(units, `${TEST_NAMES.prefix}-idle-stop.service`), 'utf8')).toMatch(
      /^Environment=SDS_AWS_CLI=\/.*\/bin\/aws$/m,
    );
    expect(calls).toContain(`systemctl enable --now ${TEST_NAMES.prefix}-idle-stop.timer`);
    // Outside the notebook user's home and never handed to it: the check runs as root.
    expect(calls).not.toContain(idleDir);
    expect(fs.statSync(path.join(idleDir, 'idle_stop.py')).mode & 0o022).toBe(0);
  });

  test('installs no idle check when the notebook asks for none (0), or its tag cannot be read', () => {
    for (const tags of [{ IdleStopMinutes: '0' }, { IdleStopMinutes: 'None' }, undefined]) {
      const { result, units, calls } = runOnStart(VALUES, tags);
      expect(result.status).toBe(0);
      expect(result.stdout).toContain('idle stop is off for this notebook');
      expect(fs.readdirSync(units)).toEqual([]);
      expect(calls).not.toContain('systemctl enable');
    }
  });

  test('fits the size SageMaker accepts for a lifecycle script (16,384 characters, base64) with the longest values', () => {
    const longest = Object.fromEntries(Object.keys(VALUES).map((k) => [k, 'x'.repeat(256)]));
    const header = Object.entries(longest)
      .map(([k, v]) => `export ${k}='${v}'\n`)
      .join('');
    for (const body of [NOTEBOOK_BODY, STUDIO_BODY]) {
      const script = `#!/bin/bash\n${header}${body}`;
      expect(Buffer.from(script).toString('base64').length).toBeLessThanOrEqual(16_384);
    }
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
    expect(content).toContain(JSON.stringify(NOTEBOOK_BODY).slice(1, 200));
    // The Studio configuration carries the same values and environment part, then its own.
    const [studio] = Object.values(template.Resources).filter(
      (r) => r.Type === 'AWS::SageMaker::StudioLifecycleConfig',
    );
    const studioContent = JSON.stringify(studio.Properties!.StudioLifecycleConfigContent);
    for (const name of Object.keys(VALUES)) expect(studioContent).toContain(`export ${name}='`);
    expect(studioContent).toContain(JSON.stringify(STUDIO_BODY).slice(1, 400));
    expect(studio.Properties!.StudioLifecycleConfigAppType).toBe('JupyterLab');
  });
});

describe('Studio JupyterLab lifecycle script', () => {
  const runStudio = (tags: Record<string, string> | undefined, metadata: Record<string, string> = STUDIO_METADATA) =>
    runOnStart(VALUES, tags, { body: STUDIO_BODY, metadata });

  test('writes the same environment module and pip configuration as the notebook script', () => {
    const studio = runStudio({ OwnerUserName: 'jane', OwnerEmail: 'jane@example.com' });
    const notebook = runOnStart(VALUES, { OwnerUserName: 'jane', OwnerEmail: 'jane@example.com' });
    expect(studio.result.stderr).toBe('');
    expect(studio.result.status).toBe(0);
    for (const file of ['.config/pip/pip.conf', '.sagemaker-environment/sagemaker_environment.py']) {
      expect(fs.readFileSync(path.join(studio.home, file), 'utf8')).toBe(
        fs.readFileSync(path.join(notebook.home, file), 'utf8'),
      );
    }
    const startup = fs.readFileSync(
      path.join(studio.home, '.ipython/profile_default/startup/00-sagemaker-environment.py'),
      'utf8',
    );
    expect(startup).toContain(`sys.path.insert(0, "${path.join(studio.home, '.sagemaker-environment')}")`);
  });

  test("sets the git identity from the owner tags of the space's profile, and installs no idle check", () => {
    const { home, calls, result, units } = runStudio({ OwnerUserName: 'jane', OwnerEmail: 'jane@example.com' });
    expect(fs.readFileSync(path.join(home, '.gitconfig'), 'utf8')).toMatch(
      /name = jane[\s\S]*email = jane@example.com/,
    );
    expect(calls).toContain('aws sagemaker describe-space --domain-id d-0abc1def2ghi --space-name jane-space');
    expect(calls).toContain(
      'aws sagemaker list-tags --resource-arn arn:aws:sagemaker:eu-west-1:111122223333:user-profile/d-0abc1def2ghi/jane',
    );
    // SageMaker shuts idle apps down itself; the script runs as the user (no chown, no systemd).
    expect(calls).not.toMatch(/chown|systemctl/);
    expect(fs.readdirSync(units)).toEqual([]);
    expect(result.stdout).toContain('sagemaker environment configured for project alpha (dev)');
  });

  test('reads the owner from the metadata when it names the profile, and starts without any owner tag', () => {
    const named = runStudio(undefined, { ...STUDIO_METADATA, UserProfileName: 'jane' });
    expect(named.result.status).toBe(0);
    expect(named.calls).not.toContain('describe-space');
    expect(fs.existsSync(path.join(named.home, '.gitconfig'))).toBe(false);
  });
});

describe('idle check (idle_stop.py, as the OnStart script installs it)', () => {
  const python = canRun(PYTHON3, 'the idle check');
  /** The check as the OnStart script installs it: installed once, run in a fresh sandbox each time. */
  let installed: string | undefined;
  const idleScript = () =>
    (installed ??= path.join(runOnStart(VALUES, { IdleStopMinutes: '30' }).idleDir, 'idle_stop.py'));
  /** Runs the check with a stand-in Jupyter API (files) and `aws`; `api` undefined means the API is down. */
  function check(
    api: { readonly sessions: readonly unknown[]; readonly terminals: readonly unknown[] } | undefined,
    minutes = 30,
    startedMinutesAgo = 90,
  ) {
    const sandbox = fs.mkdtempSync(path.join(os.tmpdir(), `${TEST_NAMES.prefix}-idle-`));
    sandboxes.push(sandbox);
    const apiDir = path.join(sandbox, 'api');
    if (api) {
      fs.mkdirSync(apiDir);
      fs.writeFileSync(path.join(apiDir, 'sessions'), JSON.stringify(api.sessions));
      fs.writeFileSync(path.join(apiDir, 'terminals'), JSON.stringify(api.terminals));
    }
    const started = path.join(sandbox, 'started');
    fs.writeFileSync(started, '');
    const then = new Date(Date.now() - startedMinutesAgo * 60_000);
    fs.utimesSync(started, then, then);
    const metadata = path.join(sandbox, 'resource-metadata.json');
    fs.writeFileSync(metadata, JSON.stringify({ ResourceName: `${projectNamed('alpha', 'dev', 'jane')}` }));
    const calls = path.join(sandbox, 'stop-calls.log');
    const aws = path.join(sandbox, 'aws');
    fs.writeFileSync(aws, `#!/bin/sh\necho "aws $*" >> ${calls}\n`, { mode: 0o755 });
    const result = spawnSync('python3', [idleScript(), String(minutes), 'eu-west-1', started], {
      encoding: 'utf8',
      env: {
        PATH: process.env.PATH,
        SDS_JUPYTER_API: `file://${apiDir}`,
        SDS_RESOURCE_METADATA: metadata,
        // An absolute path: a Python launcher (pyenv) may put its own directories first on PATH.
        SDS_AWS_CLI: aws,
        PYTHONDONTWRITEBYTECODE: '1',
      },
    });
    return { result, stops: fs.existsSync(calls) ? fs.readFileSync(calls, 'utf8') : '' };
  }
  const ago = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString().replace('.000', '');
  const session = (state: string, minutesAgo: number) => ({
    kernel: { execution_state: state, last_activity: ago(minutesAgo) },
  });

  (python ? test : test.skip)('idle longer than the limit: stops its own notebook through the SageMaker API', () => {
    const { result, stops } = check({ sessions: [session('idle', 45)], terminals: [{ last_activity: ago(60) }] });
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain(
      `idle for 45 minutes (limit 30): stopping ${projectNamed('alpha', 'dev', 'jane')}\nstopped`,
    );
    expect(stops).toBe(
      `aws sagemaker stop-notebook-instance --notebook-instance-name ${projectNamed('alpha', 'dev', 'jane')} --region eu-west-1\n`,
    );
  });
  (python ? test : test.skip)('a busy kernel, recent activity, or a recent start: no stop', () => {
    for (const [api, started, outcome] of [
      [{ sessions: [session('busy', 120)], terminals: [] }, 90, 'busy'],
      [{ sessions: [session('idle', 10)], terminals: [] }, 90, 'active'],
      [{ sessions: [], terminals: [{ last_activity: ago(5) }] }, 90, 'active'],
      [{ sessions: [], terminals: [] }, 10, 'active'],
    ] as const) {
      const { result, stops } = check(api, 30, started);
      expect(result.stdout.trim().split('\n').at(-1)).toBe(outcome);
      expect(stops).toBe('');
    }
  });
  (python ? test : test.skip)('the Jupyter API down: no stop, and a log line that says why', () => {
    const { result, stops } = check(undefined);
    expect(result.stdout).toMatch(/^idle-stop: Jupyter API unreachable .*: not stopping\napi-down\n$/);
    expect(stops).toBe('');
  });
});
