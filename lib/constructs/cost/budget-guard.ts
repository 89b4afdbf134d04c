import * as path from 'node:path';
import { Aws, Duration, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { accountArn, iamArn } from '../../config/arns';
import {
  BUDGET_NAMES,
  ENDPOINT_CALLS,
  EXECUTION_ROLE_SUFFIXES,
  HALTED_WORKLOADS,
  PIPELINE_CALLS,
} from '../../config/budget';
import { Names, TAG_KEYS } from '../../config/names';
import { acknowledgeCompliance, acknowledgeGuardRule } from '../acknowledgements/acknowledge';
import { logStreamsFinding } from '../acknowledgements/findings';
import { EncryptionKey } from '../encryption/encryption-key';
import { EncryptedLogGroup } from '../observability/encrypted-log-group';
import {
  acknowledgePlatformFunction,
  ownLogsStatement,
  PLATFORM_FUNCTION_DEFAULTS,
  reportFindingsStatements,
} from '../observability/platform-function';

/** Where the guard's code lives. */
export const GUARD_ENTRY = path.join(__dirname, '..', '..', '..', 'lambda', 'budget-guard', 'index.ts');

/** How often the guard runs: budget data itself lags by hours, so minutes are enough. */
export const GUARD_PERIOD = Duration.minutes(15);

/** Props of {@link BudgetGuard}. */
export interface BudgetGuardProps {
  readonly names: Names;
  /** Receives a finding for everything the guard does. */
  readonly topic: sns.ITopic;
  readonly topicKey: EncryptionKey;
}

/**
 * The hard stop's second half: while AWS Budgets has applied a project's budget stop, halts the
 * project's running SageMaker work (notebooks, jobs, schedules; endpoints scaled down or deleted),
 * and lifts the stop once actual spend is under the limit again. Runs on a schedule, reports every
 * action to the findings topic, and alarms when a run fails.
 */
export class BudgetGuard extends Construct {
  readonly function: nodejs.NodejsFunction;
  readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: BudgetGuardProps) {
    super(scope, id);
    const { names } = props;
    const logs = new EncryptedLogGroup(this, 'Logs');
    this.role = new iam.Role(this, 'Role', {
      description: "Budget guard: halt a stopped project's SageMaker work, lift the stop under the limit",
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
      }),
    });
    const workloads = Object.values(HALTED_WORKLOADS);
    const sagemakerArn = (type: string) => accountArn('sagemaker', `${type}/*`);
    const haltedTypes = [...workloads.map((w) => w.resourceType), ENDPOINT_CALLS.resourceType];
    const projectBudgets = accountArn('budgets', `budget/${names.projectPattern}`, 'global');
    const projectTagged = {
      Null: {
        [`aws:ResourceTag/${TAG_KEYS.projectName}`]: 'false',
        [`aws:ResourceTag/${TAG_KEYS.environmentType}`]: 'false',
      },
    };
    const policy = new iam.ManagedPolicy(this, 'Policy', {
      description: 'Only what the budget guard needs: read project budgets, halt project-tagged SageMaker work, report',
      roles: [this.role],
      statements: [
        new iam.PolicyStatement({
          sid: 'FindBudgetActions',
          actions: ['budgets:DescribeBudgetActionsForAccount'],
          resources: ['*'],
        }),
        new iam.PolicyStatement({
          sid: 'ReadProjectBudgets',
          actions: ['budgets:ViewBudget', 'budgets:ListTagsForResource'],
          resources: [projectBudgets],
        }),
        new iam.PolicyStatement({
          sid: 'LiftAndRearmProjectStops',
          actions: ['budgets:ExecuteBudgetAction'],
          resources: [`${projectBudgets}/action/*`],
        }),
        new iam.PolicyStatement({
          sid: 'ListRunningWork',
          actions: [
            ...workloads.map((w) => `sagemaker:${w.list}`),
            `sagemaker:${ENDPOINT_CALLS.list}`,
            `sagemaker:${PIPELINE_CALLS.listPipelines}`,
          ],
          resources: ['*'],
        }),
        // Project pipelines are named with the project prefix; their executions carry no tags.
        new iam.PolicyStatement({
          sid: 'StopProjectPipelineRuns',
          actions: [`sagemaker:${PIPELINE_CALLS.listExecutions}`, `sagemaker:${PIPELINE_CALLS.stop}`],
          resources: [
            accountArn('sagemaker', `${PIPELINE_CALLS.resourceType}/${names.projectPattern}`),
            accountArn('sagemaker', `${PIPELINE_CALLS.resourceType}/${names.projectPattern}/execution/*`),
          ],
        }),
        // Notebook execution roles come and go with launches: the guard extends the stop to them (and only the stop).
        new iam.PolicyStatement({
          sid: 'FindExecutionRoles',
          actions: ['iam:ListRoles'],
          resources: ['*'],
        }),
        new iam.PolicyStatement({
          sid: 'StopExecutionRoles',
          actions: ['iam:ListAttachedRolePolicies', 'iam:AttachRolePolicy', 'iam:DetachRolePolicy'],
          resources: EXECUTION_ROLE_SUFFIXES.map((suffix) => iamArn(`role/${names.projectPattern}-${suffix}*`)),
          conditions: {
            ArnLikeIfExists: { 'iam:PolicyARN': iamArn(`policy/${names.projectPattern}-${BUDGET_NAMES.stopPolicy}`) },
          },
        }),
        new iam.PolicyStatement({
          sid: 'ReadWorkTags',
          actions: ['sagemaker:ListTags', `sagemaker:${ENDPOINT_CALLS.describe}`],
          resources: haltedTypes.map(sagemakerArn),
        }),
        // Exactly the stop calls of the table, and only on resources that carry project tags.
        new iam.PolicyStatement({
          sid: 'HaltProjectWork',
          actions: [
            ...workloads.map((w) => `sagemaker:${w.stop}`),
            `sagemaker:${ENDPOINT_CALLS.ScaleDown}`,
            `sagemaker:${ENDPOINT_CALLS.Delete}`,
          ],
          resources: haltedTypes.map(sagemakerArn),
          conditions: projectTagged,
        }),
        ...reportFindingsStatements(props.topic, props.topicKey),
        ownLogsStatement(logs.logGroup),
      ],
    });
    Validations.of(policy).acknowledge(
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: 'DescribeBudgetActionsForAccount and the SageMaker List calls have no resource type.',
      },
      {
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:budgets::<AWS::AccountId>:budget/${names.projectPattern}]`,
        reason: `Budgets of every project of this deployment (${names.projectNamespace}), named at launch.`,
      },
      {
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:budgets::<AWS::AccountId>:budget/${names.projectPattern}/action/*]`,
        reason: 'Budget action ids are generated by AWS Budgets; only project budgets of this deployment.',
      },
      ...haltedTypes.map((type) => ({
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:sagemaker:<AWS::Region>:<AWS::AccountId>:${type}/*]`,
        reason: `Project ${type}s are named by data scientists; stop calls need both project tags on the resource.`,
      })),
      ...[`pipeline/${names.projectPattern}`, `pipeline/${names.projectPattern}/execution/*`].map((resource) => ({
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:sagemaker:<AWS::Region>:<AWS::AccountId>:${resource}]`,
        reason: `Project pipelines are named with the project prefix (${names.projectNamespace}) at launch time; execution ids are generated. Only listing and stopping runs.`,
      })),
      ...EXECUTION_ROLE_SUFFIXES.map((suffix) => ({
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:iam::<AWS::AccountId>:role/${names.projectPattern}-${suffix}*]`,
        reason:
          'Notebook and Studio execution roles are named per launch; the guard may attach and detach only project budget stop policies (iam:PolicyARN).',
      })),
      {
        id: `AwsSolutions-IAM5[${logStreamsFinding(logs.logGroup)}]`,
        reason: 'Log streams of the guard own log group; Lambda names them per container.',
      },
    );

    this.function = new nodejs.NodejsFunction(this, 'Function', {
      ...PLATFORM_FUNCTION_DEFAULTS,
      entry: GUARD_ENTRY,
      description: "Budget guard: halts a stopped project's SageMaker work, lifts the stop under the limit",
      role: this.role.withoutPolicyUpdates(),
      memorySize: 256,
      timeout: Duration.minutes(5),
      retryAttempts: 0,
      logGroup: logs.logGroup,
      environment: {
        TOPIC_ARN: props.topic.topicArn,
        ACCOUNT_ID: Aws.ACCOUNT_ID,
        PARTITION: Aws.PARTITION,
        PREFIX: names.prefix,
      },
    });
    this.function.node.addDependency(policy);
    const noQueue =
      'Scheduled every 15 minutes and idempotent: the next run repeats a failed one, and failures alarm to the findings topic; a dead-letter queue would hold only empty schedule events.';
    acknowledgeCompliance(this.function, 'LambdaDLQ', noQueue);
    acknowledgeGuardRule(this.function, 'lambda_dlq_check', noQueue);
    acknowledgePlatformFunction(this.function, {
      outsideVpc:
        'The guard only calls the Budgets, SageMaker and SNS APIs over TLS; a VPC would add interface endpoints without protecting anything.',
      unreserved:
        'Reserved concurrency fails on new accounts whose concurrency quota is 10; the guard runs once per schedule tick.',
    });

    new events.Rule(this, 'Schedule', {
      // Named apart from the detective control's rule, which verify finds by the stack's name.
      ruleName: names.budgetGuardSchedule,
      description: 'Runs the budget guard',
      schedule: events.Schedule.rate(GUARD_PERIOD),
      targets: [new targets.LambdaFunction(this.function, { retryAttempts: 0 })],
    });
    new cloudwatch.Alarm(this, 'ErrorsAlarm', {
      alarmDescription: 'A budget guard run failed: stopped projects may still be running work',
      metric: this.function.metricErrors({ period: Duration.minutes(15) }),
      threshold: 1,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    }).addAlarmAction(new cwActions.SnsAction(props.topic));
  }
}
