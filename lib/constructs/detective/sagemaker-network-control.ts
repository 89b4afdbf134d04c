import * as path from 'node:path';
import { Aws, Duration, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { COVERED_EVENT_NAMES, remediationGrants } from '../../config/covered-apis';
import { Names } from '../../config/names';
import { EncryptionKey } from '../encryption/encryption-key';
import { acknowledgeCompliance, acknowledgeGuardRule } from '../acknowledgements/acknowledge';
import { logStreamsFinding } from '../acknowledgements/findings';
import { EncryptedLogGroup } from '../observability/encrypted-log-group';
import {
  acknowledgePlatformFunction,
  ownLogsStatement,
  PLATFORM_FUNCTION_DEFAULTS,
  reportFindingsStatements,
} from '../observability/platform-function';
import { accountArn } from '../../config/arns';

/** Where the control's code lives. */
export const CONTROL_ENTRY = path.join(__dirname, '..', '..', '..', 'lambda', 'detective-control', 'index.ts');

/** Props of {@link SageMakerNetworkControl}. */
export interface SageMakerNetworkControlProps {
  readonly names: Names;
  /** Receives a finding for every remediation. */
  readonly topic: sns.ITopic;
  readonly topicKey: EncryptionKey;
  /** @default 'enforce' */
  readonly mode?: 'enforce' | 'notify';
  /** Reserved concurrency. @default - none: reserving fails on accounts whose concurrency quota is 10 */
  readonly reservedConcurrency?: number;
}

/**
 * Catches SageMaker resources created outside a launched project network (or notebooks with
 * internet or root, domains not VPC-only, Studio profiles, spaces and apps outside a project's
 * domain or with foreign groups or file systems) from CloudTrail events, undoes them, and reports
 * each decision. Errors surface: retried by the SDK, then by async invoke, then kept in a dead-letter
 * queue, with alarms on both.
 */
export class SageMakerNetworkControl extends Construct {
  readonly function: nodejs.NodejsFunction;
  readonly rule: events.Rule;
  readonly deadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: SageMakerNetworkControlProps) {
    super(scope, id);
    const queueKey = new EncryptionKey(this, 'QueueKey', { description: 'Encrypts failed detective-control events' });
    queueKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'EventBridgeAndLambdaDeliverFailures',
        principals: [
          new iam.ServicePrincipal('events.amazonaws.com'),
          new iam.ServicePrincipal('lambda.amazonaws.com'),
        ],
        actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
      }),
    );
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: queueKey,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    const dlqReason =
      'This is the dead-letter queue of the detective control; a queue behind it would only move the same messages.';
    Validations.of(this.deadLetterQueue).acknowledge({ id: 'AwsSolutions-SQS3', reason: dlqReason });
    acknowledgeCompliance(this.deadLetterQueue, 'SQSQueueDLQ', dlqReason);
    acknowledgeGuardRule(this.deadLetterQueue, 'sqs_dlq_check', dlqReason);

    const logs = new EncryptedLogGroup(this, 'Logs');
    const role = new iam.Role(this, 'Role', {
      description: 'Detective control: undo SageMaker resources created outside project networks',
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
      }),
    });
    const grants = remediationGrants();
    const undoneTypes = [...new Set(grants.flatMap((g) => g.resourceTypes))];
    const sagemakerArn = (resource: string) => accountArn('sagemaker', `${resource}`);
    const policy = new iam.ManagedPolicy(this, 'Policy', {
      description: 'Only what remediation needs: stop or delete SageMaker resources, read project networks, report',
      roles: [role],
      statements: [
        // Exactly the remediation calls of the covered-API table, on the resource types they undo.
        new iam.PolicyStatement({
          sid: 'UndoSageMakerResources',
          actions: grants.map((g) => `sagemaker:${g.operation}`),
          resources: undoneTypes.map((type) => sagemakerArn(`${type}/*`)),
        }),
        new iam.PolicyStatement({
          sid: 'ReadProjectNetworks',
          actions: ['ssm:GetParametersByPath'],
          resources: [accountArn('ssm', `parameter${props.names.projectsRoot.replace(/\/$/, '')}`)],
        }),
        ...reportFindingsStatements(props.topic, props.topicKey),
        new iam.PolicyStatement({
          sid: 'KeepFailedEvents',
          actions: ['sqs:SendMessage'],
          resources: [this.deadLetterQueue.queueArn],
        }),
        new iam.PolicyStatement({
          sid: 'EncryptFailedEvents',
          actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
          resources: [queueKey.keyArn],
          conditions: { StringEquals: { 'kms:ViaService': `sqs.${Aws.REGION}.amazonaws.com` } },
        }),
        ownLogsStatement(logs.logGroup),
      ],
    });
    Validations.of(policy).acknowledge(
      ...undoneTypes.map((type) => ({
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:sagemaker:<AWS::Region>:<AWS::AccountId>:${type}/*]`,
        reason: `Any ${type} can be created outside a project network by a principal the projects do not bound; only stop/delete calls are allowed on them.`,
      })),
      {
        id: `AwsSolutions-IAM5[${logStreamsFinding(logs.logGroup)}]`,
        reason: 'Log streams of the control own log group; Lambda names them per container.',
      },
    );

    this.function = new nodejs.NodejsFunction(this, 'Function', {
      ...PLATFORM_FUNCTION_DEFAULTS,
      entry: CONTROL_ENTRY,
      description: 'Detective control: SageMaker resources outside project networks',
      role: role.withoutPolicyUpdates(),
      memorySize: 256,
      timeout: Duration.seconds(60),
      reservedConcurrentExecutions: props.reservedConcurrency,
      deadLetterQueueEnabled: true,
      deadLetterQueue: this.deadLetterQueue,
      retryAttempts: 2,
      logGroup: logs.logGroup,
      environment: {
        TOPIC_ARN: props.topic.topicArn,
        MODE: props.mode ?? 'enforce',
        PREFIX: props.names.prefix,
      },
    });
    // CreateFunction checks that the role may send to the dead-letter queue: the policy must exist first.
    this.function.node.addDependency(policy);
    acknowledgePlatformFunction(this.function, {
      outsideVpc:
        'The control only calls SageMaker, SSM and SNS APIs over TLS; a VPC would add three interface endpoints without protecting anything, and it must keep working when project networks are broken.',
      unreserved:
        props.reservedConcurrency === undefined
          ? 'Reserved concurrency is opt-in (detectiveControlConcurrency): reserving any fails on new accounts whose concurrency quota is 10; the control handles one event per SageMaker create call, retries, and keeps failures in its DLQ.'
          : undefined,
    });

    // Every create call that takes or exposes a network configuration, and UpdateDomain; failed calls changed nothing.
    this.rule = new events.Rule(this, 'Rule', {
      description: 'SageMaker create calls that carry a network configuration (CloudTrail)',
      eventPattern: {
        source: ['aws.sagemaker'],
        detailType: ['AWS API Call via CloudTrail'],
        detail: {
          eventSource: ['sagemaker.amazonaws.com'],
          eventName: COVERED_EVENT_NAMES,
          errorCode: [{ exists: false }],
        },
      },
    });
    this.rule.addTarget(
      new targets.LambdaFunction(this.function, {
        deadLetterQueue: this.deadLetterQueue,
        retryAttempts: 4,
        maxEventAge: Duration.hours(2),
      }),
    );
    this.deadLetterQueue.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'EventBridgeDeliversFailures',
        principals: [new iam.ServicePrincipal('events.amazonaws.com')],
        actions: ['sqs:SendMessage'],
        resources: [this.deadLetterQueue.queueArn],
        conditions: { ArnEquals: { 'aws:SourceArn': this.rule.ruleArn } },
      }),
    );

    const alarmOn = (alarmId: string, description: string, metric: cloudwatch.IMetric) =>
      new cloudwatch.Alarm(this, alarmId, {
        alarmDescription: description,
        metric,
        threshold: 1,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }).addAlarmAction(new cwActions.SnsAction(props.topic));
    alarmOn(
      'ErrorsAlarm',
      'The SageMaker detective control failed on an event (it will be retried, then kept in the DLQ)',
      this.function.metricErrors({ period: Duration.minutes(5) }),
    );
    alarmOn(
      'DeadLetterAlarm',
      'Events the SageMaker detective control could not handle: inspect and replay them',
      this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5) }),
    );
  }
}
