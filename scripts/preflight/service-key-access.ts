/**
 * `service-key-access`: every KMS key (and delivery policy) a service uses on its own behalf lets that service in,
 * evaluated with the IAM policy simulator on the resolved policies of a representative launch.
 *
 * Pairings modelled (principal, actions, request context):
 * - CloudWatch Logs log group with KmsKeyId: `logs.<region>.amazonaws.com`, Encrypt/Decrypt/ReEncrypt/
 *   GenerateDataKey/DescribeKey with `kms:EncryptionContext:aws:logs:arn` = the log group ARN
 *   (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html);
 * - CloudTrail trail with KMSKeyId: `cloudtrail.amazonaws.com`, GenerateDataKey with
 *   `kms:EncryptionContext:aws:cloudtrail:arn` and aws:SourceArn = the trail, and DescribeKey
 *   (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-kms-key-policy-for-cloudtrail.html);
 *   its bucket policy (GetBucketAcl, PutObject with bucket-owner-full-control) and its CloudWatch Logs role;
 * - SNS topic with KmsMasterKeyId published by CloudWatch alarms or EventBridge rules, SQS queue with KMS fed by
 *   EventBridge targets / dead-letter queues or SNS: kms:Decrypt + kms:GenerateDataKey, plus the queue policy;
 * - Lambda dead-letter queue with KMS: the execution role (Lambda sends with the function's role);
 * - S3 server access logs: the target bucket must not default to SSE-KMS (S3 cannot deliver there).
 */
import { runSimulation } from '@cloud-copilot/iam-simulate';
import './simulation-cache';
import { CfnTemplate, DeployContext, existingResources, resolve, resourceName } from './cfn-resolve';
import { Finding } from './finding';
import { Assembly, errorMessage, Launch, world } from './launch';
import { wildcardRegExp } from './wildcard';

const CHECK = 'service-key-access';

/** A policy document as IAM reads it. */
export interface PolicyDocument {
  Version?: string;
  Statement: Record<string, unknown>[] | Record<string, unknown>;
}

/** One request a service makes, and what fails if it is denied. */
interface Need {
  readonly subject: string;
  readonly principal: string;
  readonly actions: string[];
  readonly resource: string;
  readonly resourcePolicy?: PolicyDocument;
  readonly identityPolicies?: { name: string; policy: PolicyDocument }[];
  readonly context: Record<string, string>;
  /** "CreateStack fails: ..." or the runtime consequence, and the fix. */
  readonly consequence: string;
}

/** Findings for every service that could not use a key or delivery target it needs. */
export async function serviceKeyAccess(assembly: Assembly): Promise<Finding[]> {
  const findings: Finding[] = [];
  for (const launch of world(assembly, { sizing: 'representative', allCombinations: false })) {
    let needs: Need[];
    try {
      needs = needsOf(launch);
    } catch (e) {
      findings.push({
        check: CHECK,
        template: launch.file,
        subject: 'template',
        message: `cannot evaluate ${launch.label}: ${errorMessage(e)}`,
      });
      continue;
    }
    for (const need of needs) {
      const denied: string[] = [];
      for (const action of need.actions) {
        const why = await deniedBecause(need, action);
        if (why !== undefined) denied.push(`${action} (${why})`);
      }
      if (denied.length === 0) continue;
      findings.push({
        check: CHECK,
        template: launch.file,
        subject: need.subject,
        message: `${need.principal} is denied ${denied.join(', ')} on ${need.resource}: ${need.consequence}`,
      });
    }
    findings.push(...accessLogTargets(launch));
  }
  return findings;
}

interface KeyInfo {
  readonly id: string;
  readonly arn: string;
  readonly policy: PolicyDocument;
}

function keysOf(launch: Launch): (reference: unknown) => KeyInfo | undefined {
  const { template, ctx } = launch;
  const keys: KeyInfo[] = [];
  const aliases = new Map<string, string>();
  for (const [id, r] of existingResources(template, ctx)) {
    if (r.Type === 'AWS::KMS::Key') {
      const arn = String(resolve({ 'Fn::GetAtt': [id, 'Arn'] }, template, ctx));
      keys.push({ id, arn, policy: resolve(r.Properties?.KeyPolicy, template, ctx) as PolicyDocument });
    }
    if (r.Type === 'AWS::KMS::Alias') {
      aliases.set(
        String(resolve(r.Properties?.AliasName, template, ctx)),
        String(resolve(r.Properties?.TargetKeyId, template, ctx)),
      );
    }
  }
  return (reference) => {
    if (reference === undefined) return undefined;
    let text = String(reference);
    const alias = /(alias\/.*)$/.exec(text)?.[1];
    if (alias && aliases.has(alias)) text = aliases.get(alias)!;
    return keys.find((k) => k.arn === text || k.arn.endsWith(`/${text}`));
  };
}

function needsOf(launch: Launch): Need[] {
  const { template, ctx } = launch;
  const { account, region } = ctx;
  const value = (v: unknown) => resolve(v, template, ctx);
  const keyFor = keysOf(launch);
  const needs: Need[] = [];
  const arnOf = (id: string, attr = 'Arn') => String(value({ 'Fn::GetAtt': [id, attr] }));
  const kmsNeed = (
    subject: string,
    key: KeyInfo,
    principal: string,
    actions: string[],
    context: Record<string, string>,
    consequence: string,
  ) => needs.push({ subject, principal, actions, resource: key.arn, resourcePolicy: key.policy, context, consequence });
  // A service that publishes or sends to an encrypted topic or queue encrypts the message with its key.
  const senderKeyNeed = (
    subject: string,
    key: KeyInfo,
    sender: { principal: string; context: Record<string, string>; consequence: string },
  ) =>
    kmsNeed(
      subject,
      key,
      sender.principal,
      ['kms:GenerateDataKey', 'kms:Decrypt'],
      sender.context,
      `${sender.consequence} Fix: allow ${sender.principal} kms:Decrypt and kms:GenerateDataKey* in the key policy of ${key.id}.`,
    );
  const resources = existingResources(template, ctx);

  for (const [id, r] of resources) {
    const props = r.Properties ?? {};
    if (r.Type === 'AWS::Logs::LogGroup' && props.KmsKeyId !== undefined) {
      const key = keyFor(value(props.KmsKeyId));
      if (!key) continue;
      const logGroupArn = `arn:aws:logs:${region}:${account}:log-group:${resourceName(id, template, ctx)}`;
      kmsNeed(
        id,
        key,
        `logs.${region}.amazonaws.com`,
        ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncryptFrom', 'kms:GenerateDataKey', 'kms:DescribeKey'],
        { 'kms:EncryptionContext:aws:logs:arn': logGroupArn },
        `CreateStack fails: CreateLogGroup is refused ("The specified KMS key does not exist or is not allowed to be ` +
          `used"). Fix: allow logs.${region}.amazonaws.com in the key policy of ${key.id}, conditioned on ` +
          `kms:EncryptionContext:aws:logs:arn.`,
      );
    }
    if (r.Type === 'AWS::CloudTrail::Trail') {
      const trailArn = arnOf(id);
      const source = { 'aws:SourceArn': trailArn, 'aws:SourceAccount': account };
      const key = props.KMSKeyId === undefined ? undefined : keyFor(value(props.KMSKeyId));
      if (key) {
        kmsNeed(
          id,
          key,
          'cloudtrail.amazonaws.com',
          ['kms:GenerateDataKey'],
          { ...source, 'kms:EncryptionContext:aws:cloudtrail:arn': trailArn },
          `CreateStack fails: CreateTrail returns InsufficientEncryptionPolicyException. Fix: allow cloudtrail.amazonaws.com kms:GenerateDataKey* (and kms:DescribeKey) in the key policy of ${key.id}.`,
        );
        kmsNeed(
          id,
          key,
          'cloudtrail.amazonaws.com',
          ['kms:DescribeKey'],
          source,
          `CreateStack fails: CreateTrail returns InsufficientEncryptionPolicyException. Fix: allow cloudtrail.amazonaws.com kms:DescribeKey in the key policy of ${key.id}.`,
        );
      }
      const bucket = String(value(props.S3BucketName));
      const bucketPolicy = bucketPolicyOf(launch, bucket);
      const prefix = props.S3KeyPrefix === undefined ? '' : `${String(value(props.S3KeyPrefix))}/`;
      const consequence = `CreateStack fails: CreateTrail returns InsufficientS3BucketPolicyException. Fix: the policy of bucket ${bucket} must allow cloudtrail.amazonaws.com s3:GetBucketAcl and s3:PutObject on ${prefix}AWSLogs/${account}/*.`;
      const tls = { ...source, 'aws:SecureTransport': 'true' };
      needs.push({
        subject: id,
        principal: 'cloudtrail.amazonaws.com',
        actions: ['s3:GetBucketAcl'],
        resource: `arn:aws:s3:::${bucket}`,
        resourcePolicy: bucketPolicy ?? { Statement: [] },
        context: tls,
        consequence,
      });
      needs.push({
        subject: id,
        principal: 'cloudtrail.amazonaws.com',
        actions: ['s3:PutObject'],
        resource: `arn:aws:s3:::${bucket}/${prefix}AWSLogs/${account}/CloudTrail/${region}/log.json.gz`,
        resourcePolicy: bucketPolicy ?? { Statement: [] },
        context: { ...tls, 's3:x-amz-acl': 'bucket-owner-full-control' },
        consequence,
      });
      if (props.CloudWatchLogsRoleArn !== undefined && props.CloudWatchLogsLogGroupArn !== undefined) {
        const roleArn = String(value(props.CloudWatchLogsRoleArn));
        const stream = `${String(value(props.CloudWatchLogsLogGroupArn)).replace(/:\*$/, '')}:log-stream:${account}_CloudTrail_${region}`;
        needs.push({
          subject: id,
          principal: roleArn,
          actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          resource: stream,
          identityPolicies: identityPolicies(launch, roleArn),
          context: {},
          consequence: `CreateStack fails: CreateTrail rejects CloudWatchLogsRoleArn ("Access denied. Verify in IAM that the role has adequate permissions"). Fix: let the role create streams and put events in the log group.`,
        });
      }
    }
    if (r.Type === 'AWS::SNS::Topic' && props.KmsMasterKeyId !== undefined) {
      const topicArn = String(value({ Ref: id }));
      const keyRef = String(value(props.KmsMasterKeyId));
      for (const publisher of publishersTo(launch, topicArn, ['cloudwatch', 'events'])) {
        if (/alias\/aws\//.test(keyRef)) {
          needs.push({
            ...publisher,
            subject: id,
            actions: ['kms:GenerateDataKey'],
            resource: keyRef,
            resourcePolicy: { Statement: [] },
            consequence: `${publisher.consequence} An AWS managed key (${keyRef}) cannot grant services: use a customer managed key.`,
          });
          continue;
        }
        const key = keyFor(keyRef);
        if (key) senderKeyNeed(id, key, publisher);
      }
    }
    if (r.Type === 'AWS::SQS::Queue') {
      const queueArn = arnOf(id);
      const queueUrl = String(value({ Ref: id }));
      const key = props.KmsMasterKeyId === undefined ? undefined : keyFor(value(props.KmsMasterKeyId));
      const queuePolicy = queuePolicyOf(launch, queueUrl);
      for (const sender of publishersTo(launch, queueArn, ['events', 'sns'])) {
        needs.push({
          ...sender,
          subject: id,
          actions: ['sqs:SendMessage'],
          resource: queueArn,
          resourcePolicy: queuePolicy ?? { Statement: [] },
          context: { ...sender.context, 'aws:SecureTransport': 'true' },
          consequence: `${sender.consequence} Fix: allow ${sender.principal} sqs:SendMessage in the queue policy, conditioned on aws:SourceArn.`,
        });
        if (key) senderKeyNeed(id, key, sender);
      }
    }
    if (r.Type === 'AWS::Lambda::Function') {
      const target = (props.DeadLetterConfig as { TargetArn?: unknown } | undefined)?.TargetArn;
      if (target === undefined) continue;
      const targetArn = String(value(target));
      const queue = resources.find(([qid, q]) => q.Type === 'AWS::SQS::Queue' && arnOf(qid) === targetArn);
      const topic = resources.find(
        ([tid, t]) => t.Type === 'AWS::SNS::Topic' && String(value({ Ref: tid })) === targetArn,
      );
      const kmsRef = (queue ?? topic)?.[1].Properties?.KmsMasterKeyId;
      const key = kmsRef === undefined ? undefined : keyFor(value(kmsRef));
      if (!key) continue;
      const roleArn = String(value(props.Role));
      needs.push({
        subject: id,
        principal: roleArn,
        actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
        resource: key.arn,
        resourcePolicy: key.policy,
        identityPolicies: identityPolicies(launch, roleArn),
        context: { 'kms:ViaService': `${queue ? 'sqs' : 'sns'}.${region}.amazonaws.com`, 'kms:CallerAccount': account },
        consequence: `failed events cannot reach the dead-letter ${queue ? 'queue' : 'topic'} (Lambda sends with the function's role; KMS.AccessDeniedException) and are lost. Fix: grant the role kms:GenerateDataKey and kms:Decrypt on ${key.id} (e.g. key.grantEncryptDecrypt(role)).`,
      });
    }
  }
  return needs;
}

interface Publisher {
  readonly principal: string;
  readonly context: Record<string, string>;
  readonly consequence: string;
}

/** Services that publish to `targetArn`: alarm actions, EventBridge targets and DLQs, SNS subscriptions. */
function publishersTo(launch: Launch, targetArn: string, services: ('cloudwatch' | 'events' | 'sns')[]): Publisher[] {
  const { template, ctx } = launch;
  const value = (v: unknown) => resolve(v, template, ctx);
  const out: Publisher[] = [];
  const source = (arn: string) => ({ 'aws:SourceArn': arn, 'aws:SourceAccount': ctx.account });
  for (const [id, r] of existingResources(template, ctx)) {
    const props = r.Properties ?? {};
    if (services.includes('cloudwatch') && r.Type === 'AWS::CloudWatch::Alarm') {
      const actions = ['AlarmActions', 'OKActions', 'InsufficientDataActions'].flatMap(
        (k) => (value(props[k] ?? []) as string[]) ?? [],
      );
      if (!actions.includes(targetArn)) continue;
      const alarmArn = `arn:aws:cloudwatch:${ctx.region}:${ctx.account}:alarm:${resourceName(id, template, ctx)}`;
      out.push({
        principal: 'cloudwatch.amazonaws.com',
        context: source(alarmArn),
        consequence: `alarm ${id} cannot notify (SNS cannot encrypt the message for CloudWatch).`,
      });
    }
    if (services.includes('events') && r.Type === 'AWS::Events::Rule') {
      const targets = (value(props.Targets ?? []) as { Arn?: string; DeadLetterConfig?: { Arn?: string } }[]) ?? [];
      const ruleArn = String(value({ 'Fn::GetAtt': [id, 'Arn'] }));
      for (const t of targets) {
        if (t.Arn === targetArn)
          out.push({
            principal: 'events.amazonaws.com',
            context: source(ruleArn),
            consequence: `rule ${id} cannot deliver events to its target.`,
          });
        if (t.DeadLetterConfig?.Arn === targetArn)
          out.push({
            principal: 'events.amazonaws.com',
            context: source(ruleArn),
            consequence: `rule ${id} cannot keep undeliverable events in its dead-letter queue; they are lost.`,
          });
      }
    }
    if (services.includes('sns') && r.Type === 'AWS::SNS::Subscription' && value(props.Endpoint) === targetArn) {
      out.push({
        principal: 'sns.amazonaws.com',
        context: source(String(value(props.TopicArn))),
        consequence: `subscription ${id} cannot deliver messages.`,
      });
    }
  }
  return out;
}

function bucketPolicyOf(launch: Launch, bucket: string): PolicyDocument | undefined {
  const { template, ctx } = launch;
  const found = existingResources(template, ctx).find(
    ([, r]) => r.Type === 'AWS::S3::BucketPolicy' && resolve(r.Properties?.Bucket, template, ctx) === bucket,
  );
  return found ? (resolve(found[1].Properties?.PolicyDocument, template, ctx) as PolicyDocument) : undefined;
}

function queuePolicyOf(launch: Launch, queueUrl: string): PolicyDocument | undefined {
  const { template, ctx } = launch;
  const found = existingResources(template, ctx).find(
    ([, r]) =>
      r.Type === 'AWS::SQS::QueuePolicy' &&
      ((resolve(r.Properties?.Queues, template, ctx) as string[]) ?? []).includes(queueUrl),
  );
  return found ? (resolve(found[1].Properties?.PolicyDocument, template, ctx) as PolicyDocument) : undefined;
}

/** Identity policies of the role with ARN `roleArn` in this launch: inline, AWS::IAM::Policy and managed policies. */
export function identityPolicies(launch: Launch, roleArn: string): { name: string; policy: PolicyDocument }[] {
  const { template, ctx } = launch;
  const role = existingResources(template, ctx).find(
    ([id, r]) => r.Type === 'AWS::IAM::Role' && resolve({ 'Fn::GetAtt': [id, 'Arn'] }, template, ctx) === roleArn,
  );
  if (!role) return [];
  return rolePolicies(template, ctx, role[0]);
}

function rolePolicies(
  template: CfnTemplate,
  ctx: DeployContext,
  roleId: string,
): { name: string; policy: PolicyDocument }[] {
  const value = (v: unknown) => resolve(v, template, ctx);
  const roleName = resourceName(roleId, template, ctx);
  const props = template.Resources[roleId].Properties ?? {};
  const out = ((props.Policies as { PolicyName: string; PolicyDocument: unknown }[] | undefined) ?? []).map((p) => ({
    name: p.PolicyName,
    policy: value(p.PolicyDocument) as PolicyDocument,
  }));
  const managedArns = (value(props.ManagedPolicyArns ?? []) as string[]) ?? [];
  for (const [id, r] of existingResources(template, ctx)) {
    if (r.Type !== 'AWS::IAM::Policy' && r.Type !== 'AWS::IAM::ManagedPolicy') continue;
    const attached =
      ((value(r.Properties?.Roles ?? []) as string[]) ?? []).includes(roleName) ||
      (r.Type === 'AWS::IAM::ManagedPolicy' && managedArns.includes(String(value({ Ref: id }))));
    if (attached) out.push({ name: id, policy: value(r.Properties?.PolicyDocument) as PolicyDocument });
  }
  return out;
}

/** S3 server access logs: target buckets must use SSE-S3; S3 cannot deliver to an SSE-KMS default-encrypted bucket. */
function accessLogTargets(launch: Launch): Finding[] {
  const { template, ctx } = launch;
  const findings: Finding[] = [];
  const buckets = existingResources(template, ctx).filter(([, r]) => r.Type === 'AWS::S3::Bucket');
  for (const [id, r] of buckets) {
    const target = (r.Properties?.LoggingConfiguration as { DestinationBucketName?: unknown } | undefined)
      ?.DestinationBucketName;
    if (target === undefined) continue;
    const name = resolve(target, template, ctx);
    const targetBucket = buckets.find(([tid]) => resourceName(tid, template, ctx) === name);
    const sse = JSON.stringify(targetBucket?.[1].Properties?.BucketEncryption ?? {});
    if (sse.includes('aws:kms')) {
      findings.push({
        check: CHECK,
        template: launch.file,
        subject: id,
        message: `server access logs of ${id} are never delivered: target bucket ${String(name)} defaults to SSE-KMS, which S3 log delivery does not support. Fix: use SSE-S3 (AES256) on the log bucket.`,
      });
    }
  }
  return findings;
}

/**
 * Why the simulator denies `action`, or undefined if allowed. Conditions on `kms:EncryptionContext:*` are
 * evaluated here first: the simulator (0.1.x) drops those context keys as unknown.
 */
async function deniedBecause(need: Need, action: string): Promise<string | undefined> {
  const context: Record<string, string> = {};
  const encryption: Record<string, string> = {};
  for (const [k, v] of Object.entries(need.context)) {
    if (/^kms:encryptioncontext:/i.test(k)) encryption[k.toLowerCase()] = v;
    else context[k] = v;
  }
  const bind = (policy: PolicyDocument) => bindEncryptionContext(policy, encryption);
  const account = need.resource.split(':')[4] || need.context['aws:SourceAccount'] || '';
  const isService = !need.principal.startsWith('arn:');
  const result = await runSimulation(
    {
      request: {
        principal: need.principal,
        action,
        resource: { resource: need.resource, accountId: account || need.principal.split(':')[4] },
        contextVariables: isService
          ? context
          : { 'aws:PrincipalArn': need.principal, 'aws:PrincipalAccount': need.principal.split(':')[4], ...context },
      },
      identityPolicies: (need.identityPolicies ?? []).map((p) => ({ name: p.name, policy: bind(p.policy) })),
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: need.resourcePolicy ? bind(need.resourcePolicy) : undefined,
    },
    {},
  );
  if (result.resultType === 'error') return `simulation error ${JSON.stringify(result.errors).slice(0, 300)}`;
  if (result.overallResult === 'Allowed') return undefined;
  return result.overallResult;
}

/**
 * Evaluates every condition on a `kms:EncryptionContext:*` key against `context` (lower-case keys): a statement
 * whose such condition fails is dropped (it does not apply); a satisfied condition is removed.
 */
export function bindEncryptionContext(policy: PolicyDocument, context: Record<string, string>): PolicyDocument {
  const statements = Array.isArray(policy.Statement) ? policy.Statement : [policy.Statement];
  const kept: Record<string, unknown>[] = [];
  for (const statement of statements) {
    const condition = statement.Condition as Record<string, Record<string, unknown>> | undefined;
    let applies = true;
    const rest: Record<string, Record<string, unknown>> = {};
    for (const [operator, block] of Object.entries(condition ?? {})) {
      for (const [key, expected] of Object.entries(block)) {
        if (!/^kms:encryptioncontext:/i.test(key)) {
          (rest[operator] ??= {})[key] = expected;
          continue;
        }
        applies &&= conditionHolds(operator, context[key.toLowerCase()], [expected].flat().map(String));
      }
    }
    if (!applies) continue;
    const bound: Record<string, unknown> = { ...statement };
    if (condition) {
      if (Object.keys(rest).length) bound.Condition = rest;
      else delete bound.Condition;
    }
    kept.push(bound);
  }
  return { ...policy, Statement: kept };
}

function conditionHolds(operator: string, actual: string | undefined, expected: string[]): boolean {
  const ifExists = operator.endsWith('IfExists');
  const op = operator.replace(/IfExists$/, '');
  if (actual === undefined) return ifExists || /Not/.test(op);
  const glob = (pattern: string) => wildcardRegExp(pattern);
  switch (op) {
    case 'StringEquals':
    case 'ArnEquals':
      return expected.includes(actual);
    case 'StringLike':
    case 'ArnLike':
      return expected.some((e) => glob(e).test(actual));
    case 'StringNotEquals':
    case 'ArnNotEquals':
      return !expected.includes(actual);
    case 'StringNotLike':
    case 'ArnNotLike':
      return !expected.some((e) => glob(e).test(actual));
    default:
      throw new Error(`Cannot evaluate condition operator ${operator} on an encryption context key`);
  }
}
