import * as fs from 'node:fs';
import * as path from 'node:path';
import { Match } from 'aws-cdk-lib/assertions';
import { COVERED_API_TABLE, COVERED_EVENT_NAMES, CoveredApiEntry } from '../../lib/config/covered-apis';
import { cloudTrailEvent, SAMPLES, STRAY_DOMAIN, STUDIO } from '../lambda/cloudtrail-events';
import { matches } from '../lambda/event-pattern';
import { DeployContext, resolve } from '../helpers/intrinsics';
import {
  expectDecision,
  expectServiceDecision,
  logicalIdOf,
  PolicyDocument,
  Principal,
  principalFromTemplate,
} from '../helpers/iam';
import {
  CfnTemplate,
  securitySummary,
  synthesize,
  synthesizeStack,
  withoutBundledCode,
  withoutCrossStackExports,
} from '../helpers/synth';
import { TEST_NAMES, projectNamed } from '../helpers/names';

describe('DetectiveControlStack', () => {
  const synthesized = synthesizeStack(
    'detective',
    { securityNotificationEmail: 'security@example.com' },
    // Its bundle is read below.
    { bundle: true },
  );
  const { template, json } = synthesized;
  const [rule] = Object.values(template.findResources('AWS::Events::Rule'));
  const pattern = rule.Properties.EventPattern as Record<string, unknown>;

  describe('the rule, read from the synthesized template', () => {
    test.each(Object.keys(SAMPLES))('matches a successful %s', (eventName) => {
      expect(matches(pattern, cloudTrailEvent(eventName, SAMPLES[eventName].request(undefined)))).toBe(true);
    });
    test.each([
      ['CreateDomain', STUDIO.createDomain()],
      ['UpdateDomain', STUDIO.updateDomain()],
      ['CreateUserProfile', STUDIO.createUserProfile()],
      ['CreateSpace', STUDIO.createSpace()],
      ['CreateApp', STUDIO.createApp()],
    ])('matches a successful Studio %s', (eventName, request) => {
      expect(matches(pattern, cloudTrailEvent(eventName, request))).toBe(true);
    });
    test.each([
      'DeleteModel',
      'DescribeTrainingJob',
      'StopTrainingJob',
      'CreateEndpoint',
      'ListModels',
      'CreateTrainingJobs',
      'UpdateUserProfile',
      'UpdateSpace',
      'CreatePresignedDomainUrl',
      'DeleteApp',
    ])('rejects the look-alike %s', (eventName) => {
      expect(matches(pattern, cloudTrailEvent(eventName, {}))).toBe(false);
    });
    test('rejects failed calls and other sources', () => {
      expect(matches(pattern, cloudTrailEvent('CreateTrainingJob', {}, { errorCode: 'ValidationException' }))).toBe(
        false,
      );
      expect(matches(pattern, { ...cloudTrailEvent('CreateTrainingJob', {}), source: 'aws.ec2' })).toBe(false);
      expect(
        matches(pattern, {
          ...cloudTrailEvent('CreateTrainingJob', {}),
          'detail-type': 'AWS Service Event via CloudTrail',
        }),
      ).toBe(false);
    });
    test('covers exactly the APIs the function handles', () => {
      expect((pattern.detail as { eventName: string[] }).eventName.sort()).toEqual([...COVERED_EVENT_NAMES].sort());
    });
  });

  describe("the function's role, simulated: every remediation of the covered-API table is permitted, and nothing else", () => {
    const ctx: DeployContext = { account: '111122223333', region: 'eu-west-1' };
    const role = (): Principal =>
      principalFromTemplate(
        json,
        logicalIdOf(json, 'AWS::IAM::Role', (p) => /Detective control/.test(String(p.Description))),
        ctx,
      );
    const arn = (type: string, name: string) => `arn:aws:sagemaker:eu-west-1:111122223333:${type}/${name}`;
    // Studio resources are named inside their domain: the simulator checks the ARN has the type's shape.
    const examplePath: Record<string, string> = {
      app: `${STRAY_DOMAIN}/jane-doe-lab/JupyterLab/default`,
      'user-profile': `${STRAY_DOMAIN}/jane-doe`,
    };
    const entries = Object.entries(COVERED_API_TABLE) as [string, CoveredApiEntry][];
    test.each(entries.filter(([, e]) => e.undo.kind !== 'notify-only'))(
      '%s: its remediation is allowed',
      async (_, entry) => {
        if (entry.undo.kind === 'notify-only') return;
        await expectDecision(
          role(),
          {
            action: `sagemaker:${entry.undo.operation}`,
            resource: arn(entry.resourceType, examplePath[entry.resourceType] ?? 'outside-1'),
          },
          'Allowed',
        );
      },
    );
    test('the role cannot delete what it should only stop, nor touch endpoints or domains', async () => {
      for (const [action, type] of [
        ['sagemaker:DeleteNotebookInstance', 'notebook-instance'],
        ['sagemaker:DeleteEndpoint', 'endpoint'],
        ['sagemaker:DeleteDomain', 'domain'],
      ])
        await expectDecision(role(), { action, resource: arn(type, 'x') }, 'ImplicitlyDenied');
    });
    test('in Studio, the role deletes profiles and apps only: never a space or a domain (they hold user work), nor changes one', async () => {
      for (const [action, resource] of [
        ['sagemaker:DeleteSpace', arn('space', `${STRAY_DOMAIN}/jane-doe-lab`)],
        ['sagemaker:DeleteDomain', arn('domain', STRAY_DOMAIN)],
        ['sagemaker:UpdateDomain', arn('domain', STRAY_DOMAIN)],
        ['sagemaker:UpdateUserProfile', arn('user-profile', `${STRAY_DOMAIN}/jane-doe`)],
        ['sagemaker:CreateApp', arn('app', examplePath.app)],
        ['sagemaker:CreatePresignedDomainUrl', arn('user-profile', `${STRAY_DOMAIN}/jane-doe`)],
      ])
        await expectDecision(role(), { action, resource }, 'ImplicitlyDenied');
    });
  });

  test('the function runs on a current Node.js runtime with a DLQ and retries, and reserves no concurrency by default', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      ReservedConcurrentExecutions: Match.absent(),
      DeadLetterConfig: { TargetArn: Match.anyValue() },
    });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', { MaximumRetryAttempts: 2 });
    template.hasResourceProperties('AWS::Events::Rule', {
      Targets: [
        Match.objectLike({
          DeadLetterConfig: Match.anyValue(),
          RetryPolicy: { MaximumRetryAttempts: 4, MaximumEventAgeInSeconds: 7200 },
        }),
      ],
    });
  });

  test('findings and failed events are encrypted; alarms watch errors and the dead-letter queue', () => {
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'security@example.com' });
    template.hasResourceProperties('AWS::SQS::Queue', { KmsMasterKeyId: Match.anyValue() });
    // Errors and dead letters of the network control; failed runs of the budget guard.
    template.resourceCountIs('AWS::CloudWatch::Alarm', 3);
  });

  test('creates a validated, encrypted, multi-region trail that also feeds CloudWatch Logs', () => {
    template.hasResourceProperties('AWS::CloudTrail::Trail', {
      EnableLogFileValidation: true,
      IsMultiRegionTrail: true,
      IncludeGlobalServiceEvents: true,
      KMSKeyId: Match.anyValue(),
      CloudWatchLogsLogGroupArn: Match.anyValue(),
      IsLogging: true,
    });
  });

  test('a variant of it in a small app starts from the very stack the platform builds', () => {
    const platform = synthesize().stack('detective').toJSON() as CfnTemplate;
    expect(withoutBundledCode(synthesizeStack('detective').json)).toEqual(
      withoutBundledCode(withoutCrossStackExports(platform)),
    );
  });

  test('reserves concurrency only when configured (new accounts have a quota of 10, which leaves none to reserve)', () => {
    synthesizeStack('detective', { detectiveControlConcurrency: 5 }).template.hasResourceProperties(
      'AWS::Lambda::Function',
      { ReservedConcurrentExecutions: 5 },
    );
  });

  test('the function is created after the policy that lets it send to its dead-letter queue', () => {
    const [functionId, fn] = Object.entries(json.Resources).find(([, r]) => r.Type === 'AWS::Lambda::Function')!;
    const dependsOn = (fn as { DependsOn?: string[] }).DependsOn ?? [];
    const dlqPolicies = dependsOn.filter((id) =>
      JSON.stringify(json.Resources[id]?.Properties?.PolicyDocument ?? {}).includes('sqs:SendMessage'),
    );
    expect({ functionId, dlqPolicies: dlqPolicies.length }).toEqual({ functionId, dlqPolicies: 1 });
  });

  describe('the trail key lets CloudTrail and CloudWatch Logs use it (policy simulation of the key policy)', () => {
    const ctx: DeployContext = { account: '111122223333', region: 'eu-west-1', instance: 'detective' };
    const keyId = logicalIdOf(json, 'AWS::KMS::Key', (p) => /CloudTrail/.test(String(p.Description)));
    const keyPolicy = resolve(json.Resources[keyId].Properties!.KeyPolicy, json, ctx) as PolicyDocument;
    const keyArn = 'arn:aws:kms:eu-west-1:111122223333:key/trail-key';
    const trailArn = `arn:aws:cloudtrail:eu-west-1:111122223333:trail/${TEST_NAMES.prefix}-trail`;
    const service = (name: string): Principal => ({ arn: name, identityPolicies: [] });
    test('CloudTrail may generate data keys for this trail only', async () => {
      const request = (sourceArn: string) => ({
        action: 'kms:GenerateDataKey',
        resource: keyArn,
        resourcePolicy: keyPolicy,
        context: {
          'aws:SourceArn': sourceArn,
          'aws:SourceAccount': '111122223333',
          'kms:EncryptionContext:aws:cloudtrail:arn': trailArn,
        },
      });
      await expectServiceDecision(service('cloudtrail.amazonaws.com'), request(trailArn), 'Allowed');
      await expectServiceDecision(
        service('cloudtrail.amazonaws.com'),
        request('arn:aws:cloudtrail:eu-west-1:444455556666:trail/other'),
        'ImplicitlyDenied',
      );
    });
    test('CloudWatch Logs may encrypt the trail log group', async () => {
      const logGroupId = logicalIdOf(json, 'AWS::Logs::LogGroup', (p) => JSON.stringify(p.KmsKeyId).includes(keyId));
      await expectServiceDecision(
        service('logs.eu-west-1.amazonaws.com'),
        {
          action: 'kms:GenerateDataKey',
          resource: keyArn,
          resourcePolicy: keyPolicy,
          context: {
            'kms:EncryptionContext:aws:logs:arn': `arn:aws:logs:eu-west-1:111122223333:log-group:${logGroupId}`,
          },
        },
        'Allowed',
      );
    });
  });

  test('relies on an existing trail when configured', () => {
    synthesizeStack('detective', { useExistingTrail: 'true' }).template.resourceCountIs('AWS::CloudTrail::Trail', 0);
  });

  test('notify-only mode reaches the function', () => {
    synthesizeStack('detective', { detectiveControlMode: 'notify' }).template.hasResourceProperties(
      'AWS::Lambda::Function',
      { Environment: { Variables: Match.objectLike({ MODE: 'notify' }) } },
    );
  });

  test('the bundle is small, and leaves the AWS SDK to the runtime', () => {
    const [fn] = Object.values(template.findResources('AWS::Lambda::Function'));
    const bundle = path.join(synthesized.outdir, `asset.${fn.Properties.Code.S3Key.replace(/\.zip$/, '')}`, 'index.js');
    const size = fs.statSync(bundle).size;
    expect(size).toBeLessThan(64 * 1024);
    expect(fs.readFileSync(bundle, 'utf8')).toContain('@aws-sdk/client-sagemaker');
  });

  describe("the function's role can undo SageMaker resources and nothing else (policy simulation)", () => {
    const ctx: DeployContext = { account: '111122223333', region: 'eu-west-1', instance: 'detective' };
    const role = principalFromTemplate(
      json,
      logicalIdOf(json, 'AWS::IAM::Role', (p) => /Detective control/.test(String(p.Description))),
      ctx,
    );
    const sm = (r: string) => `arn:aws:sagemaker:eu-west-1:111122223333:${r}`;
    test('stops jobs and notebooks, deletes models', async () => {
      await expectDecision(role, { action: 'sagemaker:StopTrainingJob', resource: sm('training-job/x') }, 'Allowed');
      await expectDecision(
        role,
        { action: 'sagemaker:StopNotebookInstance', resource: sm('notebook-instance/x') },
        'Allowed',
      );
      await expectDecision(role, { action: 'sagemaker:DeleteModel', resource: sm('model/x') }, 'Allowed');
    });
    test('cannot create, delete notebooks or domains, or touch data', async () => {
      await expectDecision(
        role,
        { action: 'sagemaker:CreateTrainingJob', resource: sm('training-job/x') },
        'ImplicitlyDenied',
      );
      await expectDecision(
        role,
        { action: 'sagemaker:DeleteNotebookInstance', resource: sm('notebook-instance/x') },
        'ImplicitlyDenied',
      );
      await expectDecision(role, { action: 'sagemaker:DeleteDomain', resource: sm('domain/d-1') }, 'ImplicitlyDenied');
      await expectDecision(
        role,
        { action: 's3:GetObject', resource: `arn:aws:s3:::${projectNamed('alpha', 'dev', 'data-111122223333')}/x` },
        'ImplicitlyDenied',
      );
      await expectDecision(
        role,
        { action: 'iam:PassRole', resource: 'arn:aws:iam::111122223333:role/x' },
        'ImplicitlyDenied',
      );
    });
  });

  test('matches the snapshot of what matters to security', () => {
    expect(securitySummary(json)).toMatchSnapshot();
  });
});
