import '../../scripts/node-support';
import {
  Action,
  BudgetsClient,
  DescribeBudgetActionsForAccountCommand,
  DescribeBudgetCommand,
  ExecuteBudgetActionCommand,
  ListTagsForResourceCommand,
} from '@aws-sdk/client-budgets';
import {
  AttachRolePolicyCommand,
  DetachRolePolicyCommand,
  IAMClient,
  ListAttachedRolePoliciesCommand,
  ListRolesCommand,
} from '@aws-sdk/client-iam';
import {
  DeleteEndpointCommand,
  DescribeEndpointCommand,
  ListEndpointsCommand,
  ListAutoMLJobsCommand,
  ListCompilationJobsCommand,
  ListHyperParameterTuningJobsCommand,
  ListPipelineExecutionsCommand,
  ListPipelinesCommand,
  ListMonitoringSchedulesCommand,
  ListNotebookInstancesCommand,
  ListProcessingJobsCommand,
  ListTagsCommand,
  ListTrainingJobsCommand,
  ListTransformJobsCommand,
  SageMakerClient,
  StopMonitoringScheduleCommand,
  StopNotebookInstanceCommand,
  StopPipelineExecutionCommand,
  StopTrainingJobCommand,
  UpdateEndpointWeightsAndCapacitiesCommand,
} from '@aws-sdk/client-sagemaker';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { handler } from '../../lambda/budget-guard';
import { HALTED_WORKLOADS } from '../../lib/config/budget';
import { TEST_NAMES, projectNamed } from '../helpers/names';

const ACCOUNT = '111122223333';
const REGION = 'eu-west-1';
const arn = (resource: string) => `arn:aws:sagemaker:${REGION}:${ACCOUNT}:${resource}`;
const ALPHA_BUDGET = `${projectNamed('alpha', 'dev', 'budget')}`;
const STOP_POLICY = `arn:aws:iam::${ACCOUNT}:policy/${ALPHA_BUDGET}-stop`;
const PIPELINE_RUN = arn(`pipeline/${projectNamed('alpha', 'dev', 'train')}/execution/0a1b2c3d4e5f`);

/** A budget action as DescribeBudgetActionsForAccount returns it. */
function budgetAction(budget: string, status: Action['Status']): Action {
  return {
    ActionId: '7a1c1b0e-8f9d-4e8a-9d1e-3c2b1a0f9e8d',
    BudgetName: budget,
    NotificationType: 'ACTUAL',
    ActionType: 'APPLY_IAM_POLICY',
    ActionThreshold: { ActionThresholdValue: 100, ActionThresholdType: 'PERCENTAGE' },
    Definition: {
      IamActionDefinition: {
        PolicyArn: `arn:aws:iam::${ACCOUNT}:policy/${budget}-stop`,
        Roles: [
          `${projectNamed('alpha', 'dev', 'user')}`,
          `${projectNamed('alpha', 'dev', 'admin')}`,
          `${projectNamed('alpha', 'dev', 'notebook-launch')}`,
        ],
      },
    },
    ExecutionRoleArn: `arn:aws:iam::${ACCOUNT}:role/${projectNamed('alpha', 'dev', 'budget-action')}`,
    ApprovalModel: 'AUTOMATIC',
    Status: status,
    Subscribers: [
      {
        SubscriptionType: 'SNS',
        Address: `arn:aws:sns:${REGION}:${ACCOUNT}:${projectNamed('alpha', 'dev', 'budget')}`,
      },
    ],
  };
}

const tags = (project: string, env = 'dev') => [
  { Key: 'ProjectName', Value: project },
  { Key: 'EnvironmentType', Value: env },
];

describe('budget guard, end to end with mocked AWS clients', () => {
  const budgets = mockClient(BudgetsClient);
  const sagemaker = mockClient(SageMakerClient);
  const sns = mockClient(SNSClient);
  const iam = mockClient(IAMClient);
  const stdout = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);

  beforeAll(() => {
    process.env.TOPIC_ARN = `arn:aws:sns:${REGION}:${ACCOUNT}:${TEST_NAMES.prefix}-security-findings`;
    process.env.ACCOUNT_ID = ACCOUNT;
    process.env.PARTITION = 'aws';
    process.env.PREFIX = TEST_NAMES.prefix;
  });
  afterAll(() => stdout.mockRestore());

  /** A stopped alpha (over its limit) in an account where beta and another deployment also run work. */
  function account(
    options: {
      status?: Action['Status'];
      actual?: string;
      limit?: string;
      endpoints?: 'ScaleDown' | 'Delete';
      variants?: number;
    } = {},
  ) {
    budgets.reset();
    sagemaker.reset();
    sns.reset();
    iam.reset();
    // Notebook execution roles of alpha (one already stopped), of beta, and alpha's people role.
    const role = (RoleName: string) => ({
      RoleName,
      Arn: `arn:aws:iam::${ACCOUNT}:role/${RoleName}`,
      Path: '/',
      RoleId: 'AROA0000000000000000',
      CreateDate: new Date('2026-11-01T00:00:00Z'),
    });
    iam
      .on(ListRolesCommand, { Marker: undefined })
      .resolves({
        Roles: [role(`${projectNamed('alpha', 'dev', 'nb-jane')}`), role(`${projectNamed('beta', 'dev', 'nb-joe')}`)],
        IsTruncated: true,
        Marker: 'roles-2',
      })
      .on(ListRolesCommand, { Marker: 'roles-2' })
      .resolves({
        Roles: [role(`${projectNamed('alpha', 'dev', 'nb-john')}`), role(`${projectNamed('alpha', 'dev', 'user')}`)],
        IsTruncated: false,
      });
    iam.on(ListAttachedRolePoliciesCommand).resolves({ AttachedPolicies: [] });
    iam.on(ListAttachedRolePoliciesCommand, { RoleName: `${projectNamed('alpha', 'dev', 'nb-john')}` }).resolves({
      AttachedPolicies: [{ PolicyName: `${projectNamed('alpha', 'dev', 'budget-stop')}`, PolicyArn: STOP_POLICY }],
    });
    iam.on(AttachRolePolicyCommand).resolves({});
    iam.on(DetachRolePolicyCommand).resolves({});
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
    budgets
      .on(DescribeBudgetActionsForAccountCommand, { AccountId: ACCOUNT, NextToken: undefined })
      .resolves({
        Actions: [budgetAction(ALPHA_BUDGET, options.status ?? 'EXECUTION_SUCCESS')],
        NextToken: 'page-2',
      })
      .on(DescribeBudgetActionsForAccountCommand, { AccountId: ACCOUNT, NextToken: 'page-2' })
      .resolves({
        Actions: [
          budgetAction(`${projectNamed('beta', 'dev', 'budget')}`, 'STANDBY'),
          // Another deployment's or the finance team's budget: never touched.
          budgetAction('finance-monthly', 'EXECUTION_SUCCESS'),
        ],
      });
    budgets
      .on(ListTagsForResourceCommand, { ResourceARN: `arn:aws:budgets::${ACCOUNT}:budget/${ALPHA_BUDGET}` })
      .resolves({
        ResourceTags: [...tags('alpha'), { Key: 'BudgetStopEndpoints', Value: options.endpoints ?? 'ScaleDown' }],
      });
    budgets.on(DescribeBudgetCommand, { AccountId: ACCOUNT, BudgetName: ALPHA_BUDGET }).resolves({
      Budget: {
        BudgetName: ALPHA_BUDGET,
        BudgetType: 'COST',
        TimeUnit: 'MONTHLY',
        BudgetLimit: { Amount: options.limit ?? '1000.0', Unit: 'USD' },
        CalculatedSpend: {
          ActualSpend: { Amount: options.actual ?? '1012.37', Unit: 'USD' },
          ForecastedSpend: { Amount: '1400.0', Unit: 'USD' },
        },
      },
    });
    budgets.on(ExecuteBudgetActionCommand).resolves({});
    sagemaker
      .on(ListNotebookInstancesCommand, { StatusEquals: 'InService', NextToken: undefined })
      .resolves({
        NotebookInstances: [
          {
            NotebookInstanceName: `${projectNamed('alpha', 'dev', 'jane')}`,
            NotebookInstanceArn: arn(`notebook-instance/${projectNamed('alpha', 'dev', 'jane')}`),
            NotebookInstanceStatus: 'InService',
          },
        ],
        NextToken: 'nb-2',
      })
      .on(ListNotebookInstancesCommand, { StatusEquals: 'InService', NextToken: 'nb-2' })
      .resolves({
        NotebookInstances: [
          {
            NotebookInstanceName: `${projectNamed('beta', 'dev', 'joe')}`,
            NotebookInstanceArn: arn(`notebook-instance/${projectNamed('beta', 'dev', 'joe')}`),
            NotebookInstanceStatus: 'InService',
          },
          {
            NotebookInstanceName: `${projectNamed('alpha', 'prod', 'ann')}`,
            NotebookInstanceArn: arn(`notebook-instance/${projectNamed('alpha', 'prod', 'ann')}`),
            NotebookInstanceStatus: 'InService',
          },
        ],
      });
    sagemaker.on(ListTrainingJobsCommand).resolves({
      TrainingJobSummaries: [
        {
          TrainingJobName: 'xgb-2026-11-26',
          TrainingJobArn: arn('training-job/xgb-2026-11-26'),
          CreationTime: new Date('2026-11-26T08:00:00Z'),
          TrainingJobStatus: 'InProgress',
        },
      ],
    });
    sagemaker.on(ListProcessingJobsCommand).resolves({ ProcessingJobSummaries: [] });
    sagemaker.on(ListTransformJobsCommand).resolves({ TransformJobSummaries: [] });
    sagemaker.on(ListHyperParameterTuningJobsCommand).resolves({ HyperParameterTuningJobSummaries: [] });
    sagemaker.on(ListAutoMLJobsCommand).resolves({ AutoMLJobSummaries: [] });
    sagemaker.on(ListCompilationJobsCommand).resolves({ CompilationJobSummaries: [] });
    sagemaker.on(ListPipelinesCommand, { PipelineNamePrefix: `${TEST_NAMES.projectNamespace}alpha-dev-` }).resolves({
      PipelineSummaries: [
        {
          PipelineName: `${projectNamed('alpha', 'dev', 'train')}`,
          PipelineArn: arn(`pipeline/${projectNamed('alpha', 'dev', 'train')}`),
        },
      ],
    });
    sagemaker.on(ListPipelineExecutionsCommand, { PipelineName: `${projectNamed('alpha', 'dev', 'train')}` }).resolves({
      PipelineExecutionSummaries: [
        { PipelineExecutionArn: PIPELINE_RUN, PipelineExecutionStatus: 'Executing', StartTime: new Date() },
        { PipelineExecutionArn: `${PIPELINE_RUN}-old`, PipelineExecutionStatus: 'Succeeded', StartTime: new Date() },
      ],
    });
    sagemaker.on(StopPipelineExecutionCommand).resolves({ PipelineExecutionArn: PIPELINE_RUN });
    sagemaker.on(ListMonitoringSchedulesCommand).resolves({
      MonitoringScheduleSummaries: [
        {
          MonitoringScheduleName: 'credit-drift',
          MonitoringScheduleArn: arn('monitoring-schedule/credit-drift'),
          CreationTime: new Date('2026-11-01T00:00:00Z'),
          LastModifiedTime: new Date('2026-11-01T00:00:00Z'),
          MonitoringScheduleStatus: 'Scheduled',
        },
      ],
    });
    sagemaker.on(ListEndpointsCommand).resolves({
      Endpoints: [
        {
          EndpointName: 'credit',
          EndpointArn: arn('endpoint/credit'),
          CreationTime: new Date('2026-11-02T00:00:00Z'),
          LastModifiedTime: new Date('2026-11-02T00:00:00Z'),
          EndpointStatus: 'InService',
        },
        {
          EndpointName: 'beta-scores',
          EndpointArn: arn('endpoint/beta-scores'),
          CreationTime: new Date('2026-11-02T00:00:00Z'),
          LastModifiedTime: new Date('2026-11-02T00:00:00Z'),
          EndpointStatus: 'InService',
        },
      ],
    });
    sagemaker.on(DescribeEndpointCommand, { EndpointName: 'credit' }).resolves({
      EndpointName: 'credit',
      EndpointArn: arn('endpoint/credit'),
      EndpointConfigName: 'credit-v3',
      EndpointStatus: 'InService',
      CreationTime: new Date('2026-11-02T00:00:00Z'),
      LastModifiedTime: new Date('2026-11-02T00:00:00Z'),
      ProductionVariants: [
        { VariantName: 'AllTraffic', CurrentInstanceCount: options.variants ?? 3, DesiredInstanceCount: 3 },
        // A serverless variant: no instances to scale.
        { VariantName: 'Shadow', CurrentServerlessConfig: { MemorySizeInMB: 2048, MaxConcurrency: 5 } },
      ],
    });
    const tagged: Record<string, ReturnType<typeof tags>> = {
      [arn(`notebook-instance/${projectNamed('alpha', 'dev', 'jane')}`)]: tags('alpha'),
      [arn(`notebook-instance/${projectNamed('beta', 'dev', 'joe')}`)]: tags('beta'),
      // The same project name in another environment is another project environment.
      [arn(`notebook-instance/${projectNamed('alpha', 'prod', 'ann')}`)]: tags('alpha', 'prod'),
      [arn('training-job/xgb-2026-11-26')]: tags('alpha'),
      [arn('monitoring-schedule/credit-drift')]: tags('alpha'),
      [arn('endpoint/credit')]: tags('alpha'),
      [arn('endpoint/beta-scores')]: tags('beta'),
    };
    for (const [resourceArn, t] of Object.entries(tagged)) {
      sagemaker.on(ListTagsCommand, { ResourceArn: resourceArn }).resolves({ Tags: t });
    }
    sagemaker.on(StopNotebookInstanceCommand).resolves({});
    sagemaker.on(StopTrainingJobCommand).resolves({});
    sagemaker.on(StopMonitoringScheduleCommand).resolves({});
    sagemaker.on(UpdateEndpointWeightsAndCapacitiesCommand).resolves({ EndpointArn: arn('endpoint/credit') });
    sagemaker.on(DeleteEndpointCommand).resolves({});
  }

  const inputs = (command: unknown) =>
    sagemaker.commandCalls(command as never).map((c) => c.args[0].input as Record<string, unknown>);

  test('over the limit with the stop applied: halts the project’s running work, and only its own', async () => {
    account();
    const findings = await handler();
    expect(inputs(StopNotebookInstanceCommand)).toEqual([
      { NotebookInstanceName: `${projectNamed('alpha', 'dev', 'jane')}` },
    ]);
    expect(inputs(StopTrainingJobCommand)).toEqual([{ TrainingJobName: 'xgb-2026-11-26' }]);
    expect(inputs(StopMonitoringScheduleCommand)).toEqual([{ MonitoringScheduleName: 'credit-drift' }]);
    expect(inputs(UpdateEndpointWeightsAndCapacitiesCommand)).toEqual([
      { EndpointName: 'credit', DesiredWeightsAndCapacities: [{ VariantName: 'AllTraffic', DesiredInstanceCount: 1 }] },
    ]);
    expect(sagemaker.commandCalls(DeleteEndpointCommand)).toHaveLength(0);
    expect(budgets.commandCalls(ExecuteBudgetActionCommand)).toHaveLength(0);
    expect(findings.map((f) => [f.action, f.resource])).toEqual([
      ['denied', `arn:aws:iam::${ACCOUNT}:role/${projectNamed('alpha', 'dev', 'nb-jane')}`],
      ['stopped', arn(`notebook-instance/${projectNamed('alpha', 'dev', 'jane')}`)],
      ['stopped', arn('training-job/xgb-2026-11-26')],
      ['stopped', arn('monitoring-schedule/credit-drift')],
      ['stopped', PIPELINE_RUN],
      ['scaled-down', arn('endpoint/credit')],
    ]);
    // The stop reaches the notebook execution roles the budget action cannot name: alpha's, not beta's, once.
    expect(iam.commandCalls(AttachRolePolicyCommand).map((c) => c.args[0].input)).toEqual([
      { RoleName: `${projectNamed('alpha', 'dev', 'nb-jane')}`, PolicyArn: STOP_POLICY },
    ]);
    expect(inputs(StopPipelineExecutionCommand)).toEqual([{ PipelineExecutionArn: PIPELINE_RUN }]);
    for (const f of findings) expect(f).toMatchObject({ budget: ALPHA_BUDGET, project: 'alpha', environment: 'dev' });
    // Every action is a finding on the security topic.
    const published = sns.commandCalls(PublishCommand).map((c) => c.args[0].input);
    expect(published).toHaveLength(6);
    expect(published.every((p) => p.TopicArn === process.env.TOPIC_ARN)).toBe(true);
    expect(JSON.parse(published[1].Message!)).toMatchObject({ action: 'stopped', project: 'alpha' });
  });

  test('every kind of work in the table is listed as running only', async () => {
    account();
    await handler();
    const listed = [
      ListNotebookInstancesCommand,
      ListTrainingJobsCommand,
      ListProcessingJobsCommand,
      ListTransformJobsCommand,
      ListHyperParameterTuningJobsCommand,
      ListAutoMLJobsCommand,
      ListCompilationJobsCommand,
      ListMonitoringSchedulesCommand,
    ].map((command) => inputs(command)[0]?.StatusEquals);
    expect(listed).toEqual([
      'InService',
      'InProgress',
      'InProgress',
      'InProgress',
      'InProgress',
      'InProgress',
      'INPROGRESS',
      'Scheduled',
    ]);
    expect(listed).toHaveLength(Object.keys(HALTED_WORKLOADS).length);
  });

  test('idempotent: a second run over an already halted project does nothing and reports nothing', async () => {
    account({ variants: 1 });
    sagemaker.on(ListNotebookInstancesCommand).resolves({ NotebookInstances: [] });
    sagemaker.on(ListTrainingJobsCommand).resolves({ TrainingJobSummaries: [] });
    sagemaker.on(ListMonitoringSchedulesCommand).resolves({ MonitoringScheduleSummaries: [] });
    sagemaker.on(ListPipelineExecutionsCommand).resolves({ PipelineExecutionSummaries: [] });
    iam.on(ListAttachedRolePoliciesCommand).resolves({
      AttachedPolicies: [{ PolicyName: `${projectNamed('alpha', 'dev', 'budget-stop')}`, PolicyArn: STOP_POLICY }],
    });
    const findings = await handler();
    expect(findings).toEqual([]);
    expect(iam.commandCalls(AttachRolePolicyCommand)).toHaveLength(0);
    for (const command of [
      StopNotebookInstanceCommand,
      StopTrainingJobCommand,
      UpdateEndpointWeightsAndCapacitiesCommand,
    ]) {
      expect(sagemaker.commandCalls(command as never)).toHaveLength(0);
    }
    expect(sns.commandCalls(PublishCommand)).toHaveLength(0);
  });

  test('endpoints are deleted only when the project chose Delete', async () => {
    account({ endpoints: 'Delete' });
    const findings = await handler();
    expect(inputs(DeleteEndpointCommand)).toEqual([{ EndpointName: 'credit' }]);
    expect(sagemaker.commandCalls(UpdateEndpointWeightsAndCapacitiesCommand)).toHaveLength(0);
    expect(findings.find((f) => f.action === 'deleted')?.resource).toBe(arn('endpoint/credit'));
  });

  test('a failure on one resource is a finding, and the rest is still halted', async () => {
    account();
    const conflict = Object.assign(new Error('Status (Stopping) not in ([InService])'), {
      name: 'ValidationException',
    });
    sagemaker.on(StopNotebookInstanceCommand).rejects(conflict);
    const findings = await handler();
    const failed = findings.find((f) => f.action === 'failed')!;
    expect(failed).toMatchObject({ resource: arn(`notebook-instance/${projectNamed('alpha', 'dev', 'jane')}`) });
    expect(failed.detail).toContain('ValidationException');
    expect(inputs(StopTrainingJobCommand)).toHaveLength(1);
  });

  test('under the limit again (budget raised, or a new month): lifts the stop and halts nothing', async () => {
    account({ limit: '2000.0' });
    const findings = await handler();
    expect(budgets.commandCalls(ExecuteBudgetActionCommand).map((c) => c.args[0].input)).toEqual([
      {
        AccountId: ACCOUNT,
        BudgetName: ALPHA_BUDGET,
        ActionId: '7a1c1b0e-8f9d-4e8a-9d1e-3c2b1a0f9e8d',
        ExecutionType: 'REVERSE_BUDGET_ACTION',
      },
    ]);
    expect(sagemaker.commandCalls(StopNotebookInstanceCommand)).toHaveLength(0);
    // The guard takes its own extension of the stop off the execution roles first.
    expect(iam.commandCalls(DetachRolePolicyCommand).map((c) => c.args[0].input)).toEqual([
      { RoleName: `${projectNamed('alpha', 'dev', 'nb-john')}`, PolicyArn: STOP_POLICY },
    ]);
    expect(findings.map((f) => f.action)).toEqual(['allowed-again', 'lifted']);
  });

  test('a lifted stop is re-armed once spend is under the limit', async () => {
    account({ status: 'REVERSE_SUCCESS', actual: '12.50' });
    const findings = await handler();
    expect(budgets.commandCalls(ExecuteBudgetActionCommand)[0].args[0].input.ExecutionType).toBe('RESET_BUDGET_ACTION');
    expect(findings.map((f) => f.action)).toEqual(['re-armed']);
  });

  test('a stop reversed by hand while still over the limit is left alone (a platform override)', async () => {
    account({ status: 'REVERSE_SUCCESS' });
    expect(await handler()).toEqual([]);
    expect(budgets.commandCalls(ExecuteBudgetActionCommand)).toHaveLength(0);
    expect(sagemaker.commandCalls(StopNotebookInstanceCommand)).toHaveLength(0);
  });

  test('a stop AWS Budgets failed to apply is reported, and the guard halts the work anyway', async () => {
    account({ status: 'EXECUTION_FAILURE' });
    const findings = await handler();
    expect(findings[0]).toMatchObject({ action: 'failed', detail: expect.stringContaining('EXECUTION_FAILURE') });
    expect(findings.map((f) => f.action)).toContain('stopped');
    expect(inputs(StopTrainingJobCommand)).toHaveLength(1);
  });

  test('a failed lift or re-arm is reported for a person, and nothing else is done', async () => {
    for (const status of ['REVERSE_FAILURE', 'RESET_FAILURE'] as const) {
      account({ status });
      const findings = await handler();
      expect(findings).toEqual([
        expect.objectContaining({ action: 'failed', detail: expect.stringContaining(status) }),
      ]);
      expect(sagemaker.commandCalls(StopTrainingJobCommand)).toHaveLength(0);
    }
  });

  test('a project budget without its tags halts nothing and says why', async () => {
    account();
    budgets.on(ListTagsForResourceCommand).resolves({ ResourceTags: [] });
    const findings = await handler();
    expect(findings).toEqual([
      expect.objectContaining({
        budget: ALPHA_BUDGET,
        action: 'failed',
        detail: expect.stringContaining('no project tags'),
      }),
    ]);
    expect(sagemaker.commandCalls(StopNotebookInstanceCommand)).toHaveLength(0);
  });
});
