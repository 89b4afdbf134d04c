/**
 * Red team of the budget stop (issue 17), simulated against the synthesized, resolved policies.
 *
 * Scenarios titled plainly hold today and must keep holding. Scenarios titled "HOLE:" document a way
 * around the stop (or a weakness of its roles) that exists today: they assert the current, bad
 * decision so this file passes, and the title says what should change. When a hole is closed, flip
 * its expected decision and drop the "HOLE:" prefix.
 */
import '../../scripts/node-support';
import {
  Action,
  BudgetsClient,
  DescribeBudgetActionsForAccountCommand,
  DescribeBudgetCommand,
  ListTagsForResourceCommand,
} from '@aws-sdk/client-budgets';
import { IAMClient, ListRolesCommand } from '@aws-sdk/client-iam';
import {
  ListAutoMLJobsCommand,
  ListCompilationJobsCommand,
  ListEndpointsCommand,
  ListHyperParameterTuningJobsCommand,
  ListMonitoringSchedulesCommand,
  ListNotebookInstancesCommand,
  ListPipelinesCommand,
  ListProcessingJobsCommand,
  ListTagsCommand,
  ListTrainingJobsCommand,
  ListTransformJobsCommand,
  SageMakerClient,
  StopTrainingJobCommand,
} from '@aws-sdk/client-sagemaker';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { guard } from '../../lambda/budget-guard/guard';
import { BUDGET_STOP_ACTIONS, HALTED_WORKLOADS, PIPELINE_CALLS } from '../../lib/config/budget';
import { DEFAULT_PREFIX, Names, TAG_KEYS } from '../../lib/config/names';
import { logicalIdOf, PolicyDocument, Principal, principalFromTemplate, Request, scenario } from '../helpers/iam';
import { resolve } from '../helpers/intrinsics';
import {
  ACCOUNT,
  boundaryOnly,
  launchNotebook,
  launchProject,
  LaunchedProject,
  REGION,
  requestTags,
  resourceTags,
  nameIn,
  projectRole,
  withBudgetStop,
} from '../helpers/projects';
import { CfnTemplate, synthesize } from '../helpers/synth';
import { TEST_NAMES } from '../helpers/names';

const synthesized = synthesize();
const alpha = launchProject(synthesized, 'alpha');
const beta = launchProject(synthesized, 'beta');

const iam = (resource: string) => `arn:aws:iam::${ACCOUNT}:${resource}`;
const sagemaker = (resource: string) => `arn:aws:sagemaker:${REGION}:${ACCOUNT}:${resource}`;
const budgets = (resource: string) => `arn:aws:budgets::${ACCOUNT}:${resource}`;
const name = nameIn;
const stopPolicyArn = (p: LaunchedProject) => iam(`policy/${name(p, 'budget-stop')}`);
const budgetArn = (p: LaunchedProject) => budgets(`budget/${name(p, 'budget')}`);
const actionArn = (p: LaunchedProject) => `${budgetArn(p)}/action/00000000-0000-4000-8000-000000000000`;
/** From inside the project network, where notebook, job and endpoint code runs. */
const inNetwork = (p: LaunchedProject) => ({ 'aws:SourceVpc': p.vpcId, 'aws:SecureTransport': 'true' });

/** The resolved document of one of the project's resources' properties (a trust or key policy). */
function resolvedProperty(p: LaunchedProject, type: string, suffix: string, property: string): PolicyDocument {
  const id = logicalIdOf(
    p.template,
    type,
    (props) => resolve(props.RoleName ?? props.TopicName ?? '', p.template, p.ctx) === name(p, suffix),
  );
  return resolve(p.template.Resources[id].Properties![property], p.template, p.ctx) as PolicyDocument;
}

const stopped = withBudgetStop;

/** Attaching alpha's budget stop to `role`, as the budget-action role or anyone else would ask. */
const attachAlphaStopTo = (role: string) => (): Request => ({
  action: 'iam:AttachRolePolicy',
  resource: iam(`role/${role}`),
  context: { 'iam:PolicyARN': stopPolicyArn(alpha) },
});

const actionRole = projectRole(synthesized, alpha, 'budget-action');
const launchRole = projectRole(synthesized, alpha, 'notebook-launch');
/** The execution role of jane's notebook: also the role of every job, pipeline and endpoint she starts. */
const notebookRole = launchNotebook(synthesized, alpha, 'jane');
/** A project-named role whose identity policy says `*`: what the boundary alone holds. */
const onlyBoundary = boundaryOnly(synthesized, name(alpha, 'nb-mallory'));
/** Everyone of the project with the stop on (the notebook execution role is not on the budget action's list). */
const stoppedPeople: [string, () => Principal][] = [
  ['stopped user', () => stopped(alpha, alpha.user)],
  ['stopped admin', () => stopped(alpha, alpha.admin)],
  ['stopped notebook launch role', () => stopped(alpha, launchRole)],
  ['notebook execution role', () => notebookRole],
];

/** A training job request that meets every project rule (network, keys, tags). */
const training =
  (tags: Record<string, string | string[]> = requestTags('alpha')) =>
  (): Request => ({
    action: 'sagemaker:CreateTrainingJob',
    resource: sagemaker('training-job/after-the-stop'),
    context: {
      ...inNetwork(alpha),
      ...tags,
      'sagemaker:VpcSubnets': alpha.subnetIds,
      'sagemaker:VpcSecurityGroupIds': [alpha.securityGroupId],
      'sagemaker:VolumeKmsKeyArn': alpha.keyArn,
      'sagemaker:OutputKmsKeyArn': alpha.keyArn,
      'sagemaker:InstanceTypes': ['ml.p4d.24xlarge'],
    },
  });

describe('taking the stop off: no project role can', () => {
  const onStop =
    (action: string, role = name(alpha, 'user')) =>
    (): Request => ({
      action,
      resource: iam(`role/${role}`),
      context: { 'iam:PolicyARN': stopPolicyArn(alpha) },
    });
  for (const [who, principal] of stoppedPeople) {
    scenario(`${who}: cannot detach the stop from the user role`, principal, onStop('iam:DetachRolePolicy'), 'Denied');
    scenario(
      `${who}: cannot detach the stop from itself`,
      principal,
      onStop('iam:DetachRolePolicy', principal().arn.split('/').pop()),
      'Denied',
    );
    for (const action of ['iam:CreatePolicyVersion', 'iam:SetDefaultPolicyVersion', 'iam:DeletePolicy']) {
      scenario(
        `${who}: cannot rewrite or delete the stop policy (${action})`,
        principal,
        () => ({ action, resource: stopPolicyArn(alpha) }),
        'Denied',
      );
    }
    for (const [action, resource] of [
      ['budgets:ModifyBudget', budgetArn(alpha)],
      ['budgets:UntagResource', budgetArn(alpha)],
      ['budgets:TagResource', budgetArn(alpha)],
      ['budgets:UpdateBudgetAction', actionArn(alpha)],
      ['budgets:DeleteBudgetAction', actionArn(alpha)],
      ['budgets:ExecuteBudgetAction', actionArn(alpha)],
    ]) {
      scenario(`${who}: cannot ${action} on its project's budget`, principal, () => ({ action, resource }), 'Denied');
    }
    scenario(
      `${who}: cannot take over the budget-action role (UpdateAssumeRolePolicy)`,
      principal,
      () => ({ action: 'iam:UpdateAssumeRolePolicy', resource: iam(`role/${name(alpha, 'budget-action')}`) }),
      'Denied',
    );
    scenario(
      `${who}: cannot widen the budget-action role (PutRolePolicy)`,
      principal,
      () => ({ action: 'iam:PutRolePolicy', resource: iam(`role/${name(alpha, 'budget-action')}`) }),
      'Denied',
    );
    scenario(
      `${who}: cannot unsubscribe the admin from the alert topic`,
      principal,
      () => ({ action: 'sns:Unsubscribe', resource: `arn:aws:sns:${REGION}:${ACCOUNT}:${name(alpha, 'budget')}` }),
      'Denied',
    );
  }
  scenario(
    'the budget-action role cannot rewrite its own trust or policies',
    () => actionRole,
    () => ({ action: 'iam:UpdateAssumeRolePolicy', resource: iam(`role/${name(alpha, 'budget-action')}`) }),
    'Denied',
  );
  scenario(
    'the budget-action role cannot attach its stop to the notebook execution roles either (only the listed roles)',
    () => actionRole,
    attachAlphaStopTo(name(alpha, 'nb-jane')),
    'Denied',
  );
  // Defence in depth: the boundary, the ceiling of every project role, does not protect the stop itself.
  scenario(
    'HOLE: the project boundary lets any project role detach the budget stop (only identity policies hold it); deny iam:DetachRolePolicy on policy/*-budget-stop in the boundary except for *-budget-action',
    () => onlyBoundary,
    onStop('iam:DetachRolePolicy'),
    'Allowed',
  );
  scenario(
    'HOLE: the project boundary lets a project role re-trust the budget-action role (then assume it and detach the stop); deny iam:UpdateAssumeRolePolicy/PutRolePolicy/AttachRolePolicy on role/*-budget-action in the boundary',
    () => onlyBoundary,
    () => ({ action: 'iam:UpdateAssumeRolePolicy', resource: iam(`role/${name(alpha, 'budget-action')}`) }),
    'Allowed',
  );
  scenario(
    'the boundary does keep the stop policy itself from being rewritten',
    () => onlyBoundary,
    () => ({ action: 'iam:CreatePolicyVersion', resource: stopPolicyArn(alpha) }),
    'ExplicitlyDenied',
  );
  scenario(
    'the boundary does keep budgets out of reach (no budgets:* in the ceiling)',
    () => onlyBoundary,
    () => ({ action: 'budgets:ExecuteBudgetAction', resource: actionArn(alpha) }),
    'Denied',
  );
});

describe('side doors once the stop applies', () => {
  // Services outside the stop's list but billable: the boundary has none of them.
  for (const [action, resource] of [
    ['ec2:RunInstances', `arn:aws:ec2:${REGION}:${ACCOUNT}:instance/*`],
    ['codebuild:StartBuild', `arn:aws:codebuild:${REGION}:${ACCOUNT}:project/x`],
    ['lambda:CreateFunction', `arn:aws:lambda:${REGION}:${ACCOUNT}:function:x`],
    ['ecs:RunTask', `arn:aws:ecs:${REGION}:${ACCOUNT}:task-definition/x:1`],
    ['glue:StartJobRun', `arn:aws:glue:${REGION}:${ACCOUNT}:job/x`],
    ['elasticmapreduce:RunJobFlow', '*'],
    ['batch:SubmitJob', `arn:aws:batch:${REGION}:${ACCOUNT}:job-definition/x`],
    ['sagemaker:CreateInferenceExperiment', sagemaker('inference-experiment/x')],
    ['sagemaker:CreateMlflowTrackingServer', sagemaker('mlflow-tracking-server/x')],
    ['sagemaker:UpdateCluster', sagemaker('cluster/x')],
    ['sagemaker:CreatePartnerApp', sagemaker('partner-app/x')],
    ['sagemaker:CreateCompilationJob', sagemaker('compilation-job/x')],
  ]) {
    scenario(
      `the notebook execution role has no ${action} (boundary or identity)`,
      () => notebookRole,
      () => ({ action, resource, context: { ...inNetwork(alpha), ...requestTags('alpha') } }),
      'Denied',
    );
  }
  scenario(
    'a stopped data scientist cannot restart a stopped monitoring schedule',
    () => stopped(alpha, alpha.user),
    () => ({
      action: 'sagemaker:StartMonitoringSchedule',
      resource: sagemaker('monitoring-schedule/credit-drift'),
      context: resourceTags('alpha'),
    }),
    'ExplicitlyDenied',
  );
  scenario(
    'a stopped data scientist cannot re-register endpoint scaling',
    () => stopped(alpha, alpha.user),
    () => ({
      action: 'application-autoscaling:RegisterScalableTarget',
      resource: '*',
      context: { ...requestTags('alpha'), 'application-autoscaling:service-namespace': 'sagemaker' },
    }),
    'ExplicitlyDenied',
  );
  scenario(
    'a stopped notebook launch role cannot resize a notebook (product update)',
    () => stopped(alpha, launchRole),
    () => ({
      action: 'sagemaker:UpdateNotebookInstance',
      resource: sagemaker(`notebook-instance/${name(alpha, 'jane')}`),
    }),
    'ExplicitlyDenied',
  );
  scenario(
    'a stopped notebook launch role cannot start a notebook',
    () => stopped(alpha, launchRole),
    () => ({
      action: 'sagemaker:StartNotebookInstance',
      resource: sagemaker(`notebook-instance/${name(alpha, 'jane')}`),
    }),
    'ExplicitlyDenied',
  );
  scenario(
    'the stopped admin can still add a principal to the project portfolio…',
    () => stopped(alpha, alpha.admin),
    () => ({ action: 'servicecatalog:AssociatePrincipalWithPortfolio', resource: alpha.portfolioArn }),
    'Allowed',
  );
  scenario(
    '…but that principal’s launch fails at the stopped launch role',
    () => stopped(alpha, launchRole),
    () => ({
      action: 'sagemaker:CreateNotebookInstance',
      resource: sagemaker(`notebook-instance/${name(alpha, 'mallory')}`),
      context: {
        ...requestTags('alpha'),
        'sagemaker:DirectInternetAccess': 'Disabled',
        'sagemaker:RootAccess': 'Disabled',
      },
    }),
    'ExplicitlyDenied',
  );
  scenario(
    'the stopped project admin role cannot update launches: the Project Administrator, who launched the environment, raises the budget (docs/operations.md)',
    () => stopped(alpha, alpha.admin),
    () => ({
      action: 'servicecatalog:UpdateProvisionedProduct',
      // Service Catalog authorizes this call on '*', scoped by the servicecatalog:*Level keys.
      resource: '*',
      context: {
        'servicecatalog:accountLevel': 'self',
        'servicecatalog:roleLevel': 'self',
        'servicecatalog:userLevel': 'self',
      },
    }),
    'ExplicitlyDenied',
  );
  // The stop is attached to people and the launch role; the notebook execution role (the role of every
  // notebook, job, pipeline step and endpoint container of the project) keeps all its rights.
  scenario(
    'the stopped user cannot create a training job…',
    () => stopped(alpha, alpha.user),
    training(),
    'ExplicitlyDenied',
  );
  scenario(
    '…and once the guard has extended the stop to it, neither can code running as the notebook execution role (a job in its stop grace, an endpoint container, a pipeline step)',
    () => stopped(alpha, notebookRole),
    training(),
    'ExplicitlyDenied',
  );
  scenario(
    'the stopped notebook execution role creates no endpoints',
    () => stopped(alpha, notebookRole),
    () => ({
      action: 'sagemaker:CreateEndpoint',
      resource: sagemaker('endpoint/after-the-stop'),
      context: { ...inNetwork(alpha), ...requestTags('alpha') },
    }),
    'ExplicitlyDenied',
  );
  scenario(
    'the stopped notebook execution role starts no pipelines (and the guard stops running ones)',
    () => stopped(alpha, notebookRole),
    () => ({
      action: 'sagemaker:StartPipelineExecution',
      resource: sagemaker(`pipeline/${name(alpha, 'train')}`),
      context: inNetwork(alpha),
    }),
    'ExplicitlyDenied',
  );
  scenario(
    'the stopped notebook execution role cannot scale endpoints back up',
    () => stopped(alpha, notebookRole),
    () => ({
      action: 'sagemaker:UpdateEndpointWeightsAndCapacities',
      resource: sagemaker('endpoint/credit'),
      context: { ...inNetwork(alpha), ...resourceTags('alpha') },
    }),
    'ExplicitlyDenied',
  );
  scenario(
    'the stopped notebook execution role puts no scaling policies on project endpoints',
    () => stopped(alpha, notebookRole),
    () => ({
      action: 'application-autoscaling:PutScalingPolicy',
      resource: `arn:aws:application-autoscaling:${REGION}:${ACCOUNT}:scalable-target/0123456789abcdef`,
      context: { ...resourceTags('alpha'), 'application-autoscaling:service-namespace': 'sagemaker' },
    }),
    'ExplicitlyDenied',
  );
  scenario(
    'a stopped data scientist cannot resume a paused pipeline (callback step)',
    () => stopped(alpha, alpha.user),
    () => ({
      action: 'sagemaker:SendPipelineExecutionStepSuccess',
      resource: sagemaker(`pipeline/${name(alpha, 'train')}/execution/abc123`),
      context: inNetwork(alpha),
    }),
    'ExplicitlyDenied',
  );
  test('the stop list names the pipeline calls that let paused work go on', () => {
    expect(BUDGET_STOP_ACTIONS).toContain('sagemaker:SendPipelineExecutionStepSuccess');
    expect(BUDGET_STOP_ACTIONS).toContain('sagemaker:UpdatePipelineExecution');
  });
  test('the guard halts AutoML jobs and pipeline executions (both keep starting jobs)', () => {
    const stops: string[] = Object.values(HALTED_WORKLOADS).map((w) => w.stop);
    expect(stops).toContain('StopAutoMLJob');
    expect(PIPELINE_CALLS.stop).toBe('StopPipelineExecution');
  });
});

describe('escaping the budget and the guard through tag-key case', () => {
  // IAM matches the tag key of aws:RequestTag/<key> without regard to case; SageMaker, cost allocation tags
  // and the guard's own check (`t.Key === 'ProjectName'`) do not.
  const lowerCase = {
    [`aws:RequestTag/${TAG_KEYS.projectName.toLowerCase()}`]: 'alpha',
    [`aws:RequestTag/${TAG_KEYS.environmentType.toLowerCase()}`]: 'dev',
    'aws:TagKeys': [TAG_KEYS.projectName.toLowerCase(), TAG_KEYS.environmentType.toLowerCase()],
  };
  scenario(
    'a project job tagged projectname/environmenttype (lower case, outside the budget) is refused',
    () => notebookRole,
    training(lowerCase),
    'ExplicitlyDenied',
  );
  scenario('the same job without any project tag is refused', () => notebookRole, training({}), 'Denied');

  test('the guard stops a running job of a stopped project whatever the case of its tag keys', async () => {
    const budgetsMock = mockClient(BudgetsClient);
    const sagemakerMock = mockClient(SageMakerClient);
    const snsMock = mockClient(SNSClient);
    const budget = name(alpha, 'budget');
    const action: Action = {
      ActionId: '7a1c1b0e-8f9d-4e8a-9d1e-3c2b1a0f9e8d',
      BudgetName: budget,
      NotificationType: 'ACTUAL',
      ActionType: 'APPLY_IAM_POLICY',
      ActionThreshold: { ActionThresholdValue: 100, ActionThresholdType: 'PERCENTAGE' },
      Definition: { IamActionDefinition: { PolicyArn: stopPolicyArn(alpha), Roles: [name(alpha, 'user')] } },
      ExecutionRoleArn: iam(`role/${name(alpha, 'budget-action')}`),
      ApprovalModel: 'AUTOMATIC',
      Status: 'EXECUTION_SUCCESS',
      Subscribers: [],
    };
    budgetsMock.on(DescribeBudgetActionsForAccountCommand).resolves({ Actions: [action] });
    budgetsMock.on(ListTagsForResourceCommand).resolves({
      ResourceTags: [
        { Key: TAG_KEYS.projectName, Value: 'alpha' },
        { Key: TAG_KEYS.environmentType, Value: 'dev' },
      ],
    });
    budgetsMock.on(DescribeBudgetCommand).resolves({
      Budget: {
        BudgetName: budget,
        BudgetType: 'COST',
        TimeUnit: 'MONTHLY',
        BudgetLimit: { Amount: '1000', Unit: 'USD' },
        CalculatedSpend: { ActualSpend: { Amount: '1500', Unit: 'USD' } },
      },
    });
    const job = sagemaker('training-job/after-the-stop');
    sagemakerMock.on(ListTrainingJobsCommand).resolves({
      TrainingJobSummaries: [
        {
          TrainingJobName: 'after-the-stop',
          TrainingJobArn: job,
          CreationTime: new Date('2026-11-26T08:00:00Z'),
          TrainingJobStatus: 'InProgress',
        },
      ],
    });
    sagemakerMock.on(ListTagsCommand, { ResourceArn: job }).resolves({
      Tags: [
        { Key: 'projectname', Value: 'alpha' },
        { Key: 'environmenttype', Value: 'dev' },
      ],
    });
    sagemakerMock.on(ListNotebookInstancesCommand).resolves({});
    sagemakerMock.on(ListProcessingJobsCommand).resolves({});
    sagemakerMock.on(ListTransformJobsCommand).resolves({});
    sagemakerMock.on(ListHyperParameterTuningJobsCommand).resolves({});
    sagemakerMock.on(ListMonitoringSchedulesCommand).resolves({});
    sagemakerMock.on(ListEndpointsCommand).resolves({});
    sagemakerMock.on(ListAutoMLJobsCommand).resolves({});
    sagemakerMock.on(ListCompilationJobsCommand).resolves({});
    sagemakerMock.on(ListPipelinesCommand).resolves({});
    sagemakerMock.on(StopTrainingJobCommand).resolves({});
    const iamMock = mockClient(IAMClient);
    iamMock.on(ListRolesCommand).resolves({ Roles: [] });
    snsMock.on(PublishCommand).resolves({ MessageId: 'm-1' });
    const findings = await guard({
      budgets: new BudgetsClient({ region: 'us-east-1' }),
      sagemaker: new SageMakerClient({ region: REGION }),
      sns: new SNSClient({ region: REGION }),
      iam: new IAMClient({ region: REGION }),
      topicArn: `arn:aws:sns:${REGION}:${ACCOUNT}:${TEST_NAMES.prefix}-security-findings`,
      account: ACCOUNT,
      partition: 'aws',
      names: new Names(DEFAULT_PREFIX),
      log: () => undefined,
    });
    expect(sagemakerMock.commandCalls(StopTrainingJobCommand)).toHaveLength(1);
    expect(findings.map((f) => f.action)).toEqual(['stopped']);
    budgetsMock.restore();
    sagemakerMock.restore();
    snsMock.restore();
    iamMock.restore();
  });

  test('a stop that AWS Budgets failed to apply (EXECUTION_FAILURE) is reported, and the work is halted anyway', async () => {
    const budgetsMock = mockClient(BudgetsClient);
    const snsMock = mockClient(SNSClient);
    budgetsMock.on(DescribeBudgetActionsForAccountCommand).resolves({
      Actions: [
        {
          ActionId: '7a1c1b0e-8f9d-4e8a-9d1e-3c2b1a0f9e8d',
          BudgetName: name(alpha, 'budget'),
          NotificationType: 'ACTUAL',
          ActionType: 'APPLY_IAM_POLICY',
          ActionThreshold: { ActionThresholdValue: 100, ActionThresholdType: 'PERCENTAGE' },
          Definition: { IamActionDefinition: { PolicyArn: stopPolicyArn(alpha), Roles: [name(alpha, 'user')] } },
          ExecutionRoleArn: iam(`role/${name(alpha, 'budget-action')}`),
          ApprovalModel: 'AUTOMATIC',
          Status: 'EXECUTION_FAILURE',
          Subscribers: [],
        },
      ],
    });
    budgetsMock.on(ListTagsForResourceCommand).resolves({
      ResourceTags: [
        { Key: TAG_KEYS.projectName, Value: 'alpha' },
        { Key: TAG_KEYS.environmentType, Value: 'dev' },
      ],
    });
    budgetsMock.on(DescribeBudgetCommand).resolves({
      Budget: {
        BudgetName: name(alpha, 'budget'),
        BudgetType: 'COST',
        TimeUnit: 'MONTHLY',
        BudgetLimit: { Amount: '1000', Unit: 'USD' },
        CalculatedSpend: { ActualSpend: { Amount: '1500', Unit: 'USD' } },
      },
    });
    const sagemakerMock = mockClient(SageMakerClient);
    sagemakerMock.onAnyCommand().resolves({});
    const iamMock = mockClient(IAMClient);
    iamMock.on(ListRolesCommand).resolves({ Roles: [] });
    snsMock.on(PublishCommand).resolves({ MessageId: 'm-1' });
    const findings = await guard({
      budgets: new BudgetsClient({ region: 'us-east-1' }),
      sagemaker: new SageMakerClient({ region: REGION }),
      sns: new SNSClient({ region: REGION }),
      iam: new IAMClient({ region: REGION }),
      topicArn: `arn:aws:sns:${REGION}:${ACCOUNT}:${TEST_NAMES.prefix}-security-findings`,
      account: ACCOUNT,
      partition: 'aws',
      names: new Names(DEFAULT_PREFIX),
      log: () => undefined,
    });
    expect(findings).toEqual([
      expect.objectContaining({ action: 'failed', detail: expect.stringContaining('EXECUTION_FAILURE') }),
    ]);
    expect(snsMock.commandCalls(PublishCommand)).toHaveLength(1);
    expect(sagemakerMock.commandCalls(ListTrainingJobsCommand)).toHaveLength(1);
    budgetsMock.restore();
    snsMock.restore();
    sagemakerMock.restore();
    iamMock.restore();
  });
});

describe('the budget-action role and the Budgets service grants across projects', () => {
  const budgetsService: Principal = { arn: 'budgets.amazonaws.com', identityPolicies: [] };
  const assume = (p: LaunchedProject, from: LaunchedProject) => (): Request & { resourcePolicy: PolicyDocument } => ({
    action: 'sts:AssumeRole',
    resource: iam(`role/${name(p, 'budget-action')}`),
    resourcePolicy: resolvedProperty(p, 'AWS::IAM::Role', 'budget-action', 'AssumeRolePolicyDocument'),
    context: { 'aws:SourceAccount': ACCOUNT, 'aws:SourceArn': budgetArn(from) },
  });
  scenario(
    'AWS Budgets assumes alpha’s budget-action role for alpha’s budget',
    () => budgetsService,
    assume(alpha, alpha),
    'Allowed',
  );
  scenario(
    'AWS Budgets cannot assume it for another account’s budget',
    () => budgetsService,
    () => ({
      ...assume(alpha, alpha)(),
      context: { 'aws:SourceAccount': '444455556666', 'aws:SourceArn': 'arn:aws:budgets::444455556666:budget/x' },
    }),
    'Denied',
  );
  scenario(
    'AWS Budgets cannot assume alpha’s budget-action role for beta’s budget',
    () => budgetsService,
    assume(alpha, beta),
    'Denied',
  );
  scenario(
    'and even with it, only alpha’s stop goes onto only alpha’s roles',
    () => actionRole,
    attachAlphaStopTo(name(beta, 'admin')),
    'Denied',
  );
  scenario(
    'AWS Budgets may use alpha’s project key only for alpha’s alert topic (not for another topic)',
    () => budgetsService,
    () => ({
      action: 'kms:GenerateDataKey',
      resource: alpha.keyArn,
      resourcePolicy: alpha.keyPolicy,
      context: {
        'aws:SourceAccount': ACCOUNT,
        'aws:SourceArn': budgetArn(beta),
        'kms:EncryptionContext:aws:sns:topicArn': `arn:aws:sns:${REGION}:${ACCOUNT}:${name(beta, 'budget')}`,
      },
    }),
    'Denied',
  );
  scenario(
    'AWS Budgets encrypts alpha’s alerts with alpha’s key',
    () => budgetsService,
    () => ({
      action: 'kms:GenerateDataKey',
      resource: alpha.keyArn,
      resourcePolicy: alpha.keyPolicy,
      context: {
        'aws:SourceAccount': ACCOUNT,
        'aws:SourceArn': budgetArn(alpha),
        'kms:EncryptionContext:aws:sns:topicArn': `arn:aws:sns:${REGION}:${ACCOUNT}:${name(alpha, 'budget')}`,
      },
    }),
    'Allowed',
  );
  scenario(
    'the alert topic takes publications from AWS Budgets of this account only',
    () => budgetsService,
    () => ({
      action: 'sns:Publish',
      resource: `arn:aws:sns:${REGION}:${ACCOUNT}:${name(alpha, 'budget')}`,
      resourcePolicy: topicPolicy(alpha),
      context: {
        'aws:SourceAccount': '444455556666',
        'aws:SourceArn': 'arn:aws:budgets::444455556666:budget/x',
        'aws:SecureTransport': 'true',
      },
    }),
    'Denied',
  );
  scenario(
    'the alert topic takes a notification of the project’s budget',
    () => budgetsService,
    () => ({
      action: 'sns:Publish',
      resource: `arn:aws:sns:${REGION}:${ACCOUNT}:${name(alpha, 'budget')}`,
      resourcePolicy: topicPolicy(alpha),
      context: { 'aws:SourceAccount': ACCOUNT, 'aws:SourceArn': budgetArn(alpha), 'aws:SecureTransport': 'true' },
    }),
    'Allowed',
  );
});

describe('the budget guard acting account-wide', () => {
  const template = synthesized.stack('detective').toJSON() as CfnTemplate;
  const guardRoleId = logicalIdOf(template, 'AWS::IAM::Role', (p) => String(p.Description).startsWith('Budget guard'));
  const guardRole = principalFromTemplate(template, guardRoleId, { account: ACCOUNT, region: REGION });
  scenario(
    'cannot stop a resource carrying only one of the project tags',
    () => guardRole,
    () => ({
      action: 'sagemaker:StopTrainingJob',
      resource: sagemaker('training-job/x'),
      context: { [`aws:ResourceTag/${TAG_KEYS.projectName}`]: 'beta' },
    }),
    'Denied',
  );
  scenario(
    'cannot delete models, endpoint configurations or notebooks',
    () => guardRole,
    () => ({ action: 'sagemaker:DeleteModel', resource: sagemaker('model/x'), context: resourceTags('beta') }),
    'Denied',
  );
  scenario(
    'cannot change the IAM attachments of people roles (only Budgets, as the budget-action role, does)',
    () => guardRole,
    () => ({
      action: 'iam:AttachRolePolicy',
      resource: iam(`role/${name(beta, 'user')}`),
      context: { 'iam:PolicyARN': stopPolicyArn(beta) },
    }),
    'Denied',
  );
  scenario(
    'HOLE (minor): IAM lets the guard delete any endpoint carrying both tag keys, whatever their values or deployment (only its code compares them); add aws:ResourceTag/DataScienceSystem = the prefix',
    () => guardRole,
    () => ({
      action: 'sagemaker:DeleteEndpoint',
      resource: sagemaker('endpoint/other-team'),
      context: {
        [`aws:ResourceTag/${TAG_KEYS.projectName}`]: 'payroll',
        [`aws:ResourceTag/${TAG_KEYS.environmentType}`]: 'prod',
      },
    }),
    'Allowed',
  );
});

function topicPolicy(p: LaunchedProject): PolicyDocument {
  const topicId = logicalIdOf(
    p.template,
    'AWS::SNS::Topic',
    (props) => resolve(props.TopicName ?? '', p.template, p.ctx) === name(p, 'budget'),
  );
  const policyId = logicalIdOf(p.template, 'AWS::SNS::TopicPolicy', (props) =>
    JSON.stringify(props.Topics).includes(topicId),
  );
  return resolve(p.template.Resources[policyId].Properties!.PolicyDocument, p.template, p.ctx) as PolicyDocument;
}
