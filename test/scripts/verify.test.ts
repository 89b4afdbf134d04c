import { BudgetsClient, DescribeBudgetActionsForBudgetCommand, DescribeBudgetCommand } from '@aws-sdk/client-budgets';
import { CloudTrailClient, DescribeTrailsCommand, GetTrailStatusCommand } from '@aws-sdk/client-cloudtrail';
import { CostExplorerClient, ListCostAllocationTagsCommand } from '@aws-sdk/client-cost-explorer';
import { DescribeFlowLogsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { EventBridgeClient, ListRulesCommand } from '@aws-sdk/client-eventbridge';
import { GetBucketEncryptionCommand, GetBucketVersioningCommand, GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  CreateTrainingJobCommand,
  DescribeDomainCommand,
  DescribeNotebookInstanceCommand,
  ListNotebookInstancesCommand,
  ListTagsCommand,
  SageMakerClient,
  StopTrainingJobCommand,
} from '@aws-sdk/client-sagemaker';
import { GetParametersByPathCommand, SSMClient } from '@aws-sdk/client-ssm';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { formatTable } from '../../scripts/verify';
import { Clients, verify, VerifyOptions, withRetry } from '../../scripts/verify/probes';
import { TEST_NAMES, projectNamed, withPrefix } from '../helpers/names';

const OPTIONS: VerifyOptions = {
  prefix: TEST_NAMES.prefix,
  project: 'alpha',
  envType: 'dev',
  account: '111122223333',
  sleep: async () => undefined,
};
const error = (name: string, message = name) => Object.assign(new Error(message), { name });

/** Separate mocked instances for the caller and the assumed project user. */
function setup() {
  const sts = mockClient(new STSClient({ region: 'eu-west-1' }));
  const ssm = mockClient(new SSMClient({ region: 'eu-west-1' }));
  const ec2 = mockClient(new EC2Client({ region: 'eu-west-1' }));
  const trail = mockClient(new CloudTrailClient({ region: 'eu-west-1' }));
  const events = mockClient(new EventBridgeClient({ region: 'eu-west-1' }));
  const adminSageMaker = mockClient(new SageMakerClient({ region: 'eu-west-1' }));
  const adminS3 = mockClient(new S3Client({ region: 'eu-west-1' }));
  const userSageMaker = mockClient(new SageMakerClient({ region: 'eu-west-1' }));
  const userS3 = mockClient(new S3Client({ region: 'eu-west-1' }));
  const root = `${TEST_NAMES.projectsRoot}alpha/dev/`;
  ssm.on(GetParametersByPathCommand).resolves({
    Parameters: [
      ['vpc-id', 'vpc-0a'],
      ['subnet-ids', 'subnet-1,subnet-2,subnet-3'],
      ['sagemaker-security-group-id', 'sg-0a'],
      ['kms-key-arn', 'arn:aws:kms:eu-west-1:111122223333:key/k'],
      ['data-bucket', `${projectNamed('alpha', 'dev', 'data-111122223333')}`],
      ['model-bucket', `${projectNamed('alpha', 'dev', 'models-111122223333')}`],
    ].map(([k, v]) => ({ Name: root + k, Value: v })),
  });
  sts.on(AssumeRoleCommand).resolves({
    Credentials: { AccessKeyId: 'AK', SecretAccessKey: 'SK', SessionToken: 'ST', Expiration: new Date() },
  });
  // A healthy deployment: IAM refuses the no-VPC probe, authorizes the compliant one; S3 refuses reads from outside.
  userSageMaker
    .on(CreateTrainingJobCommand, { VpcConfig: undefined })
    .rejects(error('AccessDeniedException', 'not authorized'));
  userSageMaker
    .on(CreateTrainingJobCommand, {
      VpcConfig: { Subnets: ['subnet-1', 'subnet-2', 'subnet-3'], SecurityGroupIds: ['sg-0a'] },
    })
    .rejects(error('ValidationException', 'Could not assume role'));
  userS3.on(GetObjectCommand).rejects(error('AccessDenied'));
  adminS3.on(GetBucketEncryptionCommand).resolves({
    ServerSideEncryptionConfiguration: {
      Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms' } }],
    },
  });
  adminS3.on(GetBucketVersioningCommand).resolves({ Status: 'Enabled' });
  ec2.on(DescribeFlowLogsCommand).resolves({ FlowLogs: [{ TrafficType: 'ALL', FlowLogStatus: 'ACTIVE' }] });
  adminSageMaker
    .on(ListNotebookInstancesCommand)
    .resolves({ NotebookInstances: [{ NotebookInstanceName: `${projectNamed('alpha', 'dev', 'jane')}` } as never] });
  adminSageMaker.on(DescribeNotebookInstanceCommand).resolves({
    DirectInternetAccess: 'Disabled',
    RootAccess: 'Disabled',
    NotebookInstanceArn: `arn:aws:sagemaker:eu-west-1:111122223333:notebook-instance/${projectNamed('alpha', 'dev', 'jane')}`,
  });
  adminSageMaker.on(ListTagsCommand).resolves({ Tags: [{ Key: 'IdleStopMinutes', Value: '120' }] });
  events
    .on(ListRulesCommand)
    .resolves({ Rules: [{ Name: `${TEST_NAMES.prefix}-detective-control-Rule`, State: 'ENABLED' }] });
  trail
    .on(DescribeTrailsCommand)
    .resolves({ trailList: [{ TrailARN: 'arn:aws:cloudtrail:eu-west-1:111122223333:trail/t' }] });
  trail.on(GetTrailStatusCommand).resolves({ IsLogging: true });
  const budgets = mockClient(new BudgetsClient({ region: 'eu-west-1' }));
  const costExplorer = mockClient(new CostExplorerClient({ region: 'eu-west-1' }));
  costExplorer.on(ListCostAllocationTagsCommand).resolves({
    CostAllocationTags: [
      { TagKey: 'ProjectName', Type: 'UserDefined', Status: 'Active' },
      { TagKey: 'EnvironmentType', Type: 'UserDefined', Status: 'Active' },
    ],
  });
  budgets
    .on(DescribeBudgetCommand, { AccountId: '111122223333', BudgetName: `${projectNamed('alpha', 'dev', 'budget')}` })
    .resolves({
      Budget: {
        BudgetName: `${projectNamed('alpha', 'dev', 'budget')}`,
        BudgetType: 'COST',
        TimeUnit: 'MONTHLY',
        BudgetLimit: { Amount: '1000.0', Unit: 'USD' },
        CalculatedSpend: { ActualSpend: { Amount: '412.5', Unit: 'USD' } },
      },
    });
  budgets.on(DescribeBudgetActionsForBudgetCommand).resolves({
    Actions: [{ ActionType: 'APPLY_IAM_POLICY', Status: 'STANDBY' } as never],
  });
  const clients: Clients = {
    sts: sts as never,
    ssm: ssm as never,
    ec2: ec2 as never,
    cloudtrail: trail as never,
    events: events as never,
    sagemaker: adminSageMaker as never,
    s3: adminS3 as never,
    budgets: budgets as never,
    costExplorer: costExplorer as never,
    asProjectUser: () => ({ sagemaker: userSageMaker as never, s3: userS3 as never }),
  };
  return {
    clients,
    sts,
    ssm,
    ec2,
    trail,
    events,
    adminSageMaker,
    adminS3,
    userSageMaker,
    userS3,
    budgets,
    costExplorer,
  };
}

describe('npm run verify (offline, mocked AWS)', () => {
  test('a healthy deployment passes every check', async () => {
    const mocks = setup();
    const progress: string[] = [];
    const results = await verify(mocks.clients, OPTIONS, (l) => progress.push(l));
    expect(results.filter((r) => !r.pass)).toEqual([]);
    expect(results.map((r) => r.check)).toEqual([
      'training job without VPC is refused',
      'training job in the project network is authorized',
      `${projectNamed('alpha', 'dev', 'data-111122223333')} is unreadable from outside the project network`,
      `${projectNamed('alpha', 'dev', 'models-111122223333')} is unreadable from outside the project network`,
      `${projectNamed('alpha', 'dev', 'data-111122223333')} is encrypted with KMS`,
      `${projectNamed('alpha', 'dev', 'data-111122223333')} is versioned`,
      `${projectNamed('alpha', 'dev', 'models-111122223333')} is encrypted with KMS`,
      `${projectNamed('alpha', 'dev', 'models-111122223333')} is versioned`,
      'flow logs of vpc-0a',
      `notebook ${projectNamed('alpha', 'dev', 'jane')}`,
      `notebook ${projectNamed('alpha', 'dev', 'jane')} stops itself when idle`,
      'Studio domain',
      'detective control rule',
      'a CloudTrail trail is logging',
      'project tags are cost allocation tags',
      `budget ${projectNamed('alpha', 'dev', 'budget')}`,
      `budget stop of ${projectNamed('alpha', 'dev', 'budget')}`,
    ]);
    expect(results.slice(-2).map((r) => r.observed)).toEqual([
      '$412.50 of $1000.00 this month (41%)',
      'armed (STANDBY)',
    ]);
    expect(progress).toHaveLength(results.length);
    expect(formatTable(results)).toMatch(/^check +expected +observed +result\n-+/);
    expect(mocks.userSageMaker.commandCalls(StopTrainingJobCommand)).toHaveLength(0);
  });

  test('fails when IAM lets a training job without VPC through (validation stopped it, not IAM)', async () => {
    const mocks = setup();
    mocks.userSageMaker
      .on(CreateTrainingJobCommand, { VpcConfig: undefined })
      .rejects(error('ValidationException', 'bad role'));
    const results = await verify(mocks.clients, OPTIONS);
    expect(results[0]).toMatchObject({ pass: false, observed: 'ValidationException (authorized, nothing created)' });
  });

  test('fails when the compliant request is refused: the policy is too strict for real work', async () => {
    const mocks = setup();
    mocks.userSageMaker
      .on(CreateTrainingJobCommand, {
        VpcConfig: { Subnets: ['subnet-1', 'subnet-2', 'subnet-3'], SecurityGroupIds: ['sg-0a'] },
      })
      .rejects(error('AccessDeniedException'));
    const results = await verify(mocks.clients, OPTIONS);
    expect(results[1]).toMatchObject({ pass: false, observed: 'AccessDenied (refused by IAM)' });
  });

  test('an unexpectedly created job fails the check and is stopped again: nothing is left behind', async () => {
    const mocks = setup();
    mocks.userSageMaker
      .on(CreateTrainingJobCommand, { VpcConfig: undefined })
      .resolves({ TrainingJobArn: 'arn:...:training-job/verify-novpc' });
    mocks.userSageMaker.on(StopTrainingJobCommand).resolves({});
    const results = await verify(mocks.clients, OPTIONS);
    expect(results[0]).toMatchObject({ pass: false, observed: 'created (stopped again)' });
    const created = mocks.userSageMaker.commandCalls(CreateTrainingJobCommand, { VpcConfig: undefined })[0].args[0]
      .input.TrainingJobName;
    expect(
      mocks.userSageMaker.commandCalls(StopTrainingJobCommand).map((c) => c.args[0].input.TrainingJobName),
    ).toEqual([created]);
  });

  test('fails when project data is readable from outside the project network', async () => {
    const mocks = setup();
    mocks.userS3.on(GetObjectCommand).rejects(error('NoSuchKey'));
    const results = await verify(mocks.clients, OPTIONS);
    expect(results[2]).toMatchObject({ pass: false, observed: 'NoSuchKey (the request was authorized)' });
  });

  test('fails on an open notebook, a missing flow log, an unversioned bucket, a disabled rule and no trail', async () => {
    const mocks = setup();
    mocks.adminSageMaker
      .on(DescribeNotebookInstanceCommand)
      .resolves({ DirectInternetAccess: 'Enabled', RootAccess: 'Disabled' });
    mocks.ec2.on(DescribeFlowLogsCommand).resolves({ FlowLogs: [] });
    mocks.adminS3.on(GetBucketVersioningCommand).resolves({});
    mocks.events
      .on(ListRulesCommand)
      .resolves({ Rules: [{ Name: `${TEST_NAMES.prefix}-detective-control-Rule`, State: 'DISABLED' }] });
    mocks.trail.on(GetTrailStatusCommand).resolves({ IsLogging: false });
    const failed = (await verify(mocks.clients, OPTIONS))
      .filter((r) => !r.pass)
      .map((r) => `${r.check}: ${r.observed}`);
    expect(failed).toEqual([
      `${projectNamed('alpha', 'dev', 'data-111122223333')} is versioned: never enabled`,
      `${projectNamed('alpha', 'dev', 'models-111122223333')} is versioned: never enabled`,
      'flow logs of vpc-0a: none',
      `notebook ${projectNamed('alpha', 'dev', 'jane')}: internet Enabled, root Disabled`,
      'detective control rule: DISABLED',
      'a CloudTrail trail is logging: no trail logging',
    ]);
  });

  test('fails when the project tags are not cost allocation tags (the budget would see no cost)', async () => {
    const mocks = setup();
    mocks.costExplorer.on(ListCostAllocationTagsCommand).resolves({
      CostAllocationTags: [{ TagKey: 'ProjectName', Type: 'UserDefined', Status: 'Inactive' }],
    });
    const failed = (await verify(mocks.clients, OPTIONS)).filter((r) => !r.pass);
    expect(failed.map((r) => `${r.check}: ${r.observed}`)).toEqual([
      'project tags are cost allocation tags: ProjectName Inactive, EnvironmentType not seen yet',
    ]);
  });

  test('says where to look when a member account may not read cost allocation tags', async () => {
    const mocks = setup();
    mocks.costExplorer.on(ListCostAllocationTagsCommand).rejects(error('AccessDeniedException'));
    const results = await verify(mocks.clients, OPTIONS);
    expect(results.find((r) => r.check.startsWith('project tags'))).toMatchObject({
      pass: false,
      observed: expect.stringContaining('management account'),
    });
  });

  test('reports a stopped project, a failed stop, and a project launched without a budget', async () => {
    const mocks = setup();
    mocks.budgets.on(DescribeBudgetActionsForBudgetCommand).resolves({
      Actions: [{ ActionType: 'APPLY_IAM_POLICY', Status: 'EXECUTION_SUCCESS' } as never],
    });
    expect((await verify(mocks.clients, OPTIONS)).at(-1)).toMatchObject({
      pass: true,
      observed: 'APPLIED: the project is stopped',
    });
    mocks.budgets.on(DescribeBudgetActionsForBudgetCommand).resolves({
      Actions: [{ ActionType: 'APPLY_IAM_POLICY', Status: 'EXECUTION_FAILURE' } as never],
    });
    expect((await verify(mocks.clients, OPTIONS)).at(-1)).toMatchObject({ pass: false });
    mocks.budgets.on(DescribeBudgetCommand).rejects(error('NotFoundException', 'no such budget'));
    const results = await verify(mocks.clients, OPTIONS);
    expect(results.at(-1)).toMatchObject({
      check: `budget ${projectNamed('alpha', 'dev', 'budget')}`,
      pass: true,
      observed: 'none (MonthlyBudget 0)',
    });
    expect(results.some((r) => r.check.startsWith('budget stop'))).toBe(false);
  });

  test('says how to get in when the role may not be assumed (MFA)', async () => {
    const mocks = setup();
    mocks.sts.on(AssumeRoleCommand).rejects(error('AccessDenied', 'not authorized to perform sts:AssumeRole'));
    await expect(verify(mocks.clients, OPTIONS)).rejects.toThrow(
      withPrefix('may not assume arn:aws:iam::111122223333:role/<prefix>-proj-alpha-dev-user.*--mfa-serial'),
    );
  });

  test('says the project is not deployed when it published nothing', async () => {
    const mocks = setup();
    mocks.ssm.on(GetParametersByPathCommand).resolves({ Parameters: [] });
    await expect(verify(mocks.clients, OPTIONS)).rejects.toThrow(
      withPrefix('Project environment alpha/dev not found: no parameters under /<prefix>/projects/alpha/dev/'),
    );
  });

  test('retries throttled calls, then gives up with the error', async () => {
    let calls = 0;
    await expect(
      withRetry(
        async () => (++calls < 3 ? Promise.reject(error('ThrottlingException')) : 'ok'),
        async () => undefined,
      ),
    ).resolves.toBe('ok');
    expect(calls).toBe(3);
    await expect(
      withRetry(
        () => Promise.reject(error('ThrottlingException', 'Rate exceeded')),
        async () => undefined,
        2,
      ),
    ).rejects.toThrow('Rate exceeded');
    await expect(
      withRetry(
        () => Promise.reject(error('AccessDenied', 'no')),
        async () => undefined,
      ),
    ).rejects.toThrow('no');
  });

  test("reports each notebook's idle stop: its minutes, off (0), or a missing tag (which fails)", async () => {
    for (const [tags, observed, pass] of [
      [[{ Key: 'IdleStopMinutes', Value: '120' }], 'after 120 minutes', true],
      [[{ Key: 'IdleStopMinutes', Value: '0' }], 'off (0)', true],
      [[], 'tag missing', false],
    ] as const) {
      const mocks = setup();
      mocks.adminSageMaker.on(ListTagsCommand).resolves({ Tags: [...tags] });
      const results = await verify(mocks.clients, OPTIONS);
      expect(results.find((r) => r.check.endsWith('stops itself when idle'))).toMatchObject({ observed, pass });
    }
  });

  test("checks the project's Studio domain: network mode, subnets, key and idle shutdown", async () => {
    const studio = (domain: Record<string, unknown>) => {
      const mocks = setup();
      mocks.ssm.on(GetParametersByPathCommand).resolves({
        Parameters: [
          ['vpc-id', 'vpc-0a'],
          ['subnet-ids', 'subnet-1,subnet-2,subnet-3'],
          ['sagemaker-security-group-id', 'sg-0a'],
          ['kms-key-arn', 'arn:aws:kms:eu-west-1:111122223333:key/k'],
          ['data-bucket', `${projectNamed('alpha', 'dev', 'data-111122223333')}`],
          ['model-bucket', `${projectNamed('alpha', 'dev', 'models-111122223333')}`],
          ['studio-domain-id', 'd-0abc'],
        ].map(([k, v]) => ({ Name: `${TEST_NAMES.projectsRoot}alpha/dev/${k}`, Value: v })),
      });
      mocks.adminSageMaker.on(DescribeDomainCommand, { DomainId: 'd-0abc' }).resolves(domain);
      return verify(mocks.clients, OPTIONS);
    };
    const idle = {
      AppLifecycleManagement: { IdleSettings: { LifecycleManagement: 'ENABLED', IdleTimeoutInMinutes: 120 } },
    };
    const healthy = {
      AppNetworkAccessType: 'VpcOnly',
      AuthMode: 'IAM',
      SubnetIds: ['subnet-1', 'subnet-2', 'subnet-3'],
      KmsKeyId: 'arn:aws:kms:eu-west-1:111122223333:key/k',
      DefaultUserSettings: { JupyterLabAppSettings: idle, CodeEditorAppSettings: idle },
    };
    const ok = await studio(healthy);
    expect(ok.filter((r) => r.check.startsWith('Studio'))).toEqual([
      expect.objectContaining({ check: 'Studio domain d-0abc', pass: true }),
      expect.objectContaining({
        check: 'Studio JupyterLab apps shut down when idle',
        observed: 'ENABLED, after 120 minutes',
        pass: true,
      }),
      expect.objectContaining({ check: 'Studio CodeEditor apps shut down when idle', pass: true }),
    ]);
    const open = await studio({
      ...healthy,
      AppNetworkAccessType: 'PublicInternetOnly',
      SubnetIds: ['subnet-9'],
      DefaultUserSettings: { JupyterLabAppSettings: idle },
    });
    expect(open.find((r) => r.check === 'Studio domain d-0abc')).toMatchObject({
      observed: 'PublicInternetOnly, IAM, subnets subnet-9, project key',
      pass: false,
    });
    expect(open.find((r) => r.check === 'Studio CodeEditor apps shut down when idle')).toMatchObject({
      observed: 'not set',
      pass: false,
    });
  });

  test('throttling during the probes is retried transparently', async () => {
    const mocks = setup();
    mocks.adminS3
      .on(GetBucketEncryptionCommand)
      .rejectsOnce(error('SlowDown'))
      .resolves({
        ServerSideEncryptionConfiguration: {
          Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms' } }],
        },
      });
    const results = await verify(mocks.clients, OPTIONS);
    expect(results.every((r) => r.pass)).toBe(true);
  });
});
