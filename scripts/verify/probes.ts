import '../node-support';
import { BudgetsClient, DescribeBudgetActionsForBudgetCommand, DescribeBudgetCommand } from '@aws-sdk/client-budgets';
import { CloudTrailClient, DescribeTrailsCommand, GetTrailStatusCommand } from '@aws-sdk/client-cloudtrail';
import { CostExplorerClient, ListCostAllocationTagsCommand } from '@aws-sdk/client-cost-explorer';
import { DescribeFlowLogsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { EventBridgeClient, ListRulesCommand } from '@aws-sdk/client-eventbridge';
import { GetBucketEncryptionCommand, GetBucketVersioningCommand, GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  CreateTrainingJobCommand,
  CreateTrainingJobCommandInput,
  DescribeDomainCommand,
  DescribeNotebookInstanceCommand,
  ListNotebookInstancesCommand,
  ListTagsCommand,
  SageMakerClient,
  StopTrainingJobCommand,
} from '@aws-sdk/client-sagemaker';
import { GetParametersByPathCommand, SSMClient } from '@aws-sdk/client-ssm';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { BUDGET_NAMES } from '../../lib/config/budget';
import { Names, PROJECT_PARAMETERS, TAG_KEYS } from '../../lib/config/names';

/** Anything with the SDK's `send`. */
type Sender = { send: (command: never) => Promise<unknown> };

/** The AWS clients verify uses; `asProjectUser` gives clients that act as the project user role. */
export interface Clients {
  readonly sts: Sender;
  readonly ssm: Sender;
  readonly ec2: Sender;
  readonly cloudtrail: Sender;
  readonly events: Sender;
  readonly sagemaker: Sender;
  readonly s3: Sender;
  readonly budgets: Sender;
  readonly costExplorer: Sender;
  readonly asProjectUser: (credentials: Credentials) => { sagemaker: Sender; s3: Sender };
}

export interface Credentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
}

export interface VerifyOptions {
  readonly prefix: string;
  readonly project: string;
  readonly envType: string;
  readonly account: string;
  readonly mfaSerial?: string;
  readonly tokenCode?: string;
  /** Pause before retrying a throttled call. */
  readonly sleep?: (ms: number) => Promise<void>;
}

/** One line of the report. */
export interface CheckResult {
  readonly check: string;
  readonly expected: string;
  readonly observed: string;
  readonly pass: boolean;
}

/** What a project environment publishes about itself (lib/config/names.ts PROJECT_PARAMETERS). */
export interface ProjectFacts {
  readonly vpcId: string;
  readonly subnetIds: string[];
  readonly securityGroupId: string;
  readonly kmsKeyArn: string;
  readonly dataBucket: string;
  readonly modelBucket: string;
  /** The Studio domain, when the launch enabled Studio. */
  readonly studioDomainId?: string;
}

/** A failure verify cannot get past; the message says what to do. */
export class VerifyError extends Error {}

const errorName = (error: unknown) => (error as { name?: string }).name ?? '';

/** Retries throttled calls with backoff; other errors propagate at once. */
export async function withRetry<T>(
  call: () => Promise<T>,
  sleep: (ms: number) => Promise<void>,
  attempts = 5,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (attempt >= attempts || !/Throttl|TooManyRequests|SlowDown|RequestLimitExceeded/.test(errorName(error)))
        throw error;
      await sleep(500 * 2 ** (attempt - 1));
    }
  }
}

/** Reads the project's published parameters; a clear error when the project is not deployed. */
export async function discoverProject(clients: Clients, options: VerifyOptions): Promise<ProjectFacts> {
  const root = `${new Names(options.prefix).projectParameter(options.project, options.envType, '')}`;
  const values: Record<string, string> = {};
  let nextToken: string | undefined;
  do {
    const page = (await clients.ssm.send(
      new GetParametersByPathCommand({ Path: root, NextToken: nextToken }) as never,
    )) as { Parameters?: { Name?: string; Value?: string }[]; NextToken?: string };
    for (const p of page.Parameters ?? []) if (p.Name && p.Value) values[p.Name.slice(root.length)] = p.Value;
    nextToken = page.NextToken;
  } while (nextToken);
  const p = PROJECT_PARAMETERS;
  const need = [p.vpcId, p.subnetIds, p.securityGroupId, p.kmsKeyArn, p.dataBucket, p.modelBucket];
  const missing = need.filter((k) => !values[k]);
  if (missing.length === need.length) {
    throw new VerifyError(
      `Project environment ${options.project}/${options.envType} not found: no parameters under ${root}. Launch it from Service Catalog, or check --project, --env-type and --region.`,
    );
  }
  if (missing.length > 0)
    throw new VerifyError(`Project environment incomplete: missing ${missing.map((m) => root + m).join(', ')}`);
  return {
    vpcId: values[p.vpcId],
    subnetIds: values[p.subnetIds].split(','),
    securityGroupId: values[p.securityGroupId],
    kmsKeyArn: values[p.kmsKeyArn],
    dataBucket: values[p.dataBucket],
    modelBucket: values[p.modelBucket],
    studioDomainId: values[p.studioDomainId],
  };
}

/** Studio idle settings of one app type, as DescribeDomain returns them. */
interface IdleSettings {
  LifecycleManagement?: string;
  IdleTimeoutInMinutes?: number;
}

/** The project's Studio domain: VpcOnly in the project subnets, on the project key, idle apps shut down. */
async function checkStudio(
  clients: Clients,
  facts: ProjectFacts,
  sleep: (ms: number) => Promise<void>,
  record: (r: CheckResult) => void,
): Promise<void> {
  if (!facts.studioDomainId) {
    record({ check: 'Studio domain', expected: 'VpcOnly, or not enabled', observed: 'not enabled', pass: true });
    return;
  }
  const domain = (await withRetry(
    () => clients.sagemaker.send(new DescribeDomainCommand({ DomainId: facts.studioDomainId }) as never),
    sleep,
  )) as {
    AppNetworkAccessType?: string;
    AuthMode?: string;
    SubnetIds?: string[];
    KmsKeyId?: string;
    DefaultUserSettings?: Record<string, { AppLifecycleManagement?: { IdleSettings?: IdleSettings } } | undefined>;
  };
  const inProject = (domain.SubnetIds ?? []).every((s) => facts.subnetIds.includes(s)) && !!domain.SubnetIds?.length;
  const observed = [
    domain.AppNetworkAccessType,
    domain.AuthMode,
    inProject ? 'project subnets' : `subnets ${(domain.SubnetIds ?? []).join(',') || 'none'}`,
    domain.KmsKeyId === facts.kmsKeyArn ? 'project key' : `key ${domain.KmsKeyId ?? 'none'}`,
  ].join(', ');
  const expected = 'VpcOnly, IAM, project subnets, project key';
  record({ check: `Studio domain ${facts.studioDomainId}`, expected, observed, pass: observed === expected });
  for (const app of ['JupyterLab', 'CodeEditor']) {
    const idle = domain.DefaultUserSettings?.[`${app}AppSettings`]?.AppLifecycleManagement?.IdleSettings;
    const on = idle?.LifecycleManagement === 'ENABLED' && (idle.IdleTimeoutInMinutes ?? 0) > 0;
    record({
      check: `Studio ${app} apps shut down when idle`,
      expected: 'ENABLED, after N minutes',
      observed: on ? `ENABLED, after ${idle!.IdleTimeoutInMinutes} minutes` : (idle?.LifecycleManagement ?? 'not set'),
      pass: on,
    });
  }
}

/** Assumes the project user role; says why when that is refused. */
export async function assumeProjectUser(clients: Clients, options: VerifyOptions): Promise<Credentials> {
  const roleArn = `arn:aws:iam::${options.account}:role/${new Names(options.prefix).projectResource(options.project, options.envType, 'user')}`;
  try {
    const response = (await clients.sts.send(
      new AssumeRoleCommand({
        RoleArn: roleArn,
        RoleSessionName: `verify-${Date.now()}`,
        DurationSeconds: 900,
        SerialNumber: options.mfaSerial,
        TokenCode: options.tokenCode,
      }) as never,
    )) as { Credentials?: { AccessKeyId?: string; SecretAccessKey?: string; SessionToken?: string } };
    const c = response.Credentials;
    if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken)
      throw new VerifyError(`STS returned no credentials for ${roleArn}`);
    return { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken };
  } catch (error) {
    if (error instanceof VerifyError) throw error;
    if (errorName(error) === 'AccessDenied' || errorName(error) === 'AccessDeniedException') {
      throw new VerifyError(
        `You may not assume ${roleArn}. The project roles trust this account's principals with MFA: run verify with --mfa-serial <your MFA device ARN> --token-code <code>, as a principal allowed to assume them.`,
      );
    }
    throw error;
  }
}

/**
 * A CreateTrainingJob request that IAM can authorize but SageMaker must reject: the role does
 * not exist. "AccessDenied" means IAM refused; "ValidationException" means IAM allowed and
 * validation stopped it; success means something was created (and is stopped at once).
 */
function trainingProbe(options: VerifyOptions, facts: ProjectFacts, withVpc: boolean): CreateTrainingJobCommandInput {
  return {
    TrainingJobName: `verify-${withVpc ? 'vpc' : 'novpc'}-${Date.now()}`,
    AlgorithmSpecification: { TrainingImage: 'verify.invalid/image:0', TrainingInputMode: 'File' },
    RoleArn: `arn:aws:iam::${options.account}:role/${new Names(options.prefix).projectResource(options.project, options.envType, 'verify-does-not-exist')}`,
    OutputDataConfig: { S3OutputPath: `s3://${facts.modelBucket}/verify/`, KmsKeyId: facts.kmsKeyArn },
    ResourceConfig: {
      InstanceType: 'ml.m5.large',
      InstanceCount: 1,
      VolumeSizeInGB: 1,
      VolumeKmsKeyId: facts.kmsKeyArn,
    },
    StoppingCondition: { MaxRuntimeInSeconds: 60 },
    VpcConfig: withVpc ? { Subnets: facts.subnetIds, SecurityGroupIds: [facts.securityGroupId] } : undefined,
    Tags: [
      { Key: 'ProjectName', Value: options.project },
      { Key: 'EnvironmentType', Value: options.envType },
    ],
  };
}

type ProbeOutcome = 'denied' | 'authorized' | 'created';

/** Sends the probe; if it unexpectedly created a job, stops it before returning. */
async function sendProbe(
  sagemaker: Sender,
  input: CreateTrainingJobCommandInput,
  options: VerifyOptions,
): Promise<ProbeOutcome> {
  try {
    await withRetry(() => sagemaker.send(new CreateTrainingJobCommand(input) as never), options.sleep ?? defaultSleep);
  } catch (error) {
    const name = errorName(error);
    if (name === 'AccessDeniedException' || name === 'AccessDenied') return 'denied';
    if (name === 'ValidationException') return 'authorized';
    throw error;
  }
  // Created: leave nothing behind.
  await withRetry(
    () => sagemaker.send(new StopTrainingJobCommand({ TrainingJobName: input.TrainingJobName }) as never),
    options.sleep ?? defaultSleep,
  );
  return 'created';
}

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const describe = (outcome: ProbeOutcome) =>
  ({
    denied: 'AccessDenied (refused by IAM)',
    authorized: 'ValidationException (authorized, nothing created)',
    created: 'created (stopped again)',
  })[outcome];

/** Runs every probe and configuration check, reporting progress through `progress`. */
export async function verify(
  clients: Clients,
  options: VerifyOptions,
  progress: (line: string) => void = () => undefined,
): Promise<CheckResult[]> {
  const sleep = options.sleep ?? defaultSleep;
  const facts = await discoverProject(clients, options);
  const user = clients.asProjectUser(await assumeProjectUser(clients, options));
  const results: CheckResult[] = [];
  const record = (r: CheckResult) => {
    results.push(r);
    progress(`${r.pass ? 'PASS' : 'FAIL'} ${r.check}`);
  };

  const noVpc = await sendProbe(user.sagemaker, trainingProbe(options, facts, false), options);
  record({
    check: 'training job without VPC is refused',
    expected: describe('denied'),
    observed: describe(noVpc),
    pass: noVpc === 'denied',
  });
  const inVpc = await sendProbe(user.sagemaker, trainingProbe(options, facts, true), options);
  record({
    check: 'training job in the project network is authorized',
    expected: describe('authorized'),
    observed: describe(inVpc),
    pass: inVpc === 'authorized',
  });

  for (const bucket of [facts.dataBucket, facts.modelBucket]) {
    let observed: string;
    try {
      await withRetry(
        () => user.s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'verify/probe' }) as never),
        sleep,
      );
      observed = 'readable';
    } catch (error) {
      observed =
        errorName(error) === 'AccessDenied' ? 'AccessDenied' : `${errorName(error)} (the request was authorized)`;
    }
    record({
      check: `${bucket} is unreadable from outside the project network`,
      expected: 'AccessDenied',
      observed,
      pass: observed === 'AccessDenied',
    });
  }

  for (const bucket of [facts.dataBucket, facts.modelBucket]) {
    const encryption = (await withRetry(
      () => clients.s3.send(new GetBucketEncryptionCommand({ Bucket: bucket }) as never),
      sleep,
    )) as {
      ServerSideEncryptionConfiguration?: {
        Rules?: { ApplyServerSideEncryptionByDefault?: { SSEAlgorithm?: string } }[];
      };
    };
    const algorithm =
      encryption.ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault?.SSEAlgorithm ??
      'none';
    record({
      check: `${bucket} is encrypted with KMS`,
      expected: 'aws:kms',
      observed: algorithm,
      pass: algorithm === 'aws:kms',
    });
    const versioning = (await withRetry(
      () => clients.s3.send(new GetBucketVersioningCommand({ Bucket: bucket }) as never),
      sleep,
    )) as { Status?: string };
    record({
      check: `${bucket} is versioned`,
      expected: 'Enabled',
      observed: versioning.Status ?? 'never enabled',
      pass: versioning.Status === 'Enabled',
    });
  }

  const flowLogs = (await withRetry(
    () =>
      clients.ec2.send(
        new DescribeFlowLogsCommand({ Filter: [{ Name: 'resource-id', Values: [facts.vpcId] }] }) as never,
      ),
    sleep,
  )) as { FlowLogs?: { TrafficType?: string; FlowLogStatus?: string }[] };
  const active = (flowLogs.FlowLogs ?? []).filter((f) => f.TrafficType === 'ALL' && f.FlowLogStatus === 'ACTIVE');
  record({
    check: `flow logs of ${facts.vpcId}`,
    expected: 'an active flow log of ALL traffic',
    observed: active.length ? 'active, ALL' : 'none',
    pass: active.length > 0,
  });

  const notebooks = (await withRetry(
    () =>
      clients.sagemaker.send(
        new ListNotebookInstancesCommand({
          NameContains: new Names(options.prefix).projectResource(options.project, options.envType, ''),
        }) as never,
      ),
    sleep,
  )) as { NotebookInstances?: { NotebookInstanceName?: string }[] };
  for (const { NotebookInstanceName: name } of notebooks.NotebookInstances ?? []) {
    const nb = (await withRetry(
      () => clients.sagemaker.send(new DescribeNotebookInstanceCommand({ NotebookInstanceName: name }) as never),
      sleep,
    )) as {
      DirectInternetAccess?: string;
      RootAccess?: string;
      NotebookInstanceArn?: string;
    };
    const observed = `internet ${nb.DirectInternetAccess}, root ${nb.RootAccess}`;
    record({
      check: `notebook ${name}`,
      expected: 'internet Disabled, root Disabled',
      observed,
      pass: observed === 'internet Disabled, root Disabled',
    });
    // The idle-stop setting its lifecycle script reads (0: the owner turned it off, reported as such).
    const tags = (await withRetry(
      () => clients.sagemaker.send(new ListTagsCommand({ ResourceArn: nb.NotebookInstanceArn }) as never),
      sleep,
    )) as { Tags?: { Key?: string; Value?: string }[] };
    const minutes = tags.Tags?.find((t) => t.Key === TAG_KEYS.idleStopMinutes)?.Value;
    const valid = minutes !== undefined && /^\d+$/.test(minutes);
    record({
      check: `notebook ${name} stops itself when idle`,
      expected: 'an IdleStopMinutes tag (0: off)',
      observed: !valid ? `tag ${minutes ?? 'missing'}` : minutes === '0' ? 'off (0)' : `after ${minutes} minutes`,
      pass: valid,
    });
  }

  await checkStudio(clients, facts, sleep, record);

  const rules = (await withRetry(
    () => clients.events.send(new ListRulesCommand({ NamePrefix: `${options.prefix}-detective-control` }) as never),
    sleep,
  )) as {
    Rules?: { Name?: string; State?: string }[];
  };
  const enabled = (rules.Rules ?? []).filter((r) => r.State === 'ENABLED');
  record({
    check: 'detective control rule',
    expected: 'ENABLED',
    observed: enabled.length ? 'ENABLED' : (rules.Rules?.[0]?.State ?? 'missing'),
    pass: enabled.length > 0,
  });

  const trails = (await withRetry(
    () => clients.cloudtrail.send(new DescribeTrailsCommand({ includeShadowTrails: true }) as never),
    sleep,
  )) as {
    trailList?: { TrailARN?: string }[];
  };
  let logging = false;
  for (const trail of trails.trailList ?? []) {
    const status = (await withRetry(
      () => clients.cloudtrail.send(new GetTrailStatusCommand({ Name: trail.TrailARN }) as never),
      sleep,
    )) as { IsLogging?: boolean };
    logging ||= status.IsLogging === true;
  }
  record({
    check: 'a CloudTrail trail is logging',
    expected: 'IsLogging',
    observed: logging ? 'IsLogging' : 'no trail logging',
    pass: logging,
  });
  await checkBudget(clients, options, record);
  return results;
}

/** What each state of the budget stop means to the reader, and whether it is healthy. */
const STOP_STATES: Record<string, { observed: string; pass: boolean }> = {
  STANDBY: { observed: 'armed (STANDBY)', pass: true },
  PENDING: { observed: 'pending approval', pass: true },
  EXECUTION_IN_PROGRESS: { observed: 'being applied', pass: true },
  EXECUTION_SUCCESS: { observed: 'APPLIED: the project is stopped', pass: true },
  REVERSE_IN_PROGRESS: { observed: 'being lifted', pass: true },
  REVERSE_SUCCESS: { observed: 'lifted; re-armed once spend is under the limit', pass: true },
  RESET_IN_PROGRESS: { observed: 'being re-armed', pass: true },
};

/** Cost allocation tags, the project's budget with its spend, and the state of its stop. */
async function checkBudget(clients: Clients, options: VerifyOptions, record: (r: CheckResult) => void): Promise<void> {
  const sleep = options.sleep ?? defaultSleep;
  const costTags = [TAG_KEYS.projectName, TAG_KEYS.environmentType];
  const tagsCheck = { check: 'project tags are cost allocation tags', expected: `${costTags.join(', ')} Active` };
  try {
    const listed = (await withRetry(
      () =>
        clients.costExplorer.send(
          new ListCostAllocationTagsCommand({ TagKeys: costTags, Type: 'UserDefined' }) as never,
        ),
      sleep,
    )) as { CostAllocationTags?: { TagKey?: string; Status?: string }[] };
    const status = (key: string) => listed.CostAllocationTags?.find((t) => t.TagKey === key)?.Status ?? 'not seen yet';
    record({
      ...tagsCheck,
      observed: costTags.map((k) => `${k} ${status(k)}`).join(', '),
      pass: costTags.every((k) => status(k) === 'Active'),
    });
  } catch (error) {
    if (!/AccessDenied/.test(errorName(error))) throw error;
    record({
      ...tagsCheck,
      observed: 'cannot read them here (AccessDenied): check in the management account',
      pass: false,
    });
  }

  const budgetName = new Names(options.prefix).projectResource(options.project, options.envType, BUDGET_NAMES.budget);
  let budget: { BudgetLimit?: { Amount?: string }; CalculatedSpend?: { ActualSpend?: { Amount?: string } } };
  try {
    budget = (
      (await withRetry(
        () =>
          clients.budgets.send(
            new DescribeBudgetCommand({ AccountId: options.account, BudgetName: budgetName }) as never,
          ),
        sleep,
      )) as { Budget: typeof budget }
    ).Budget;
  } catch (error) {
    if (errorName(error) !== 'NotFoundException') throw error;
    record({
      check: `budget ${budgetName}`,
      expected: 'a monthly limit, or none by choice',
      observed: 'none (MonthlyBudget 0)',
      pass: true,
    });
    return;
  }
  const limit = Number(budget.BudgetLimit?.Amount);
  const spent = Number(budget.CalculatedSpend?.ActualSpend?.Amount ?? 0);
  record({
    check: `budget ${budgetName}`,
    expected: 'a monthly limit',
    observed: `$${spent.toFixed(2)} of $${limit.toFixed(2)} this month (${limit > 0 ? Math.round((100 * spent) / limit) : 0}%)`,
    pass: limit > 0,
  });
  const actions = (await withRetry(
    () =>
      clients.budgets.send(
        new DescribeBudgetActionsForBudgetCommand({ AccountId: options.account, BudgetName: budgetName }) as never,
      ),
    sleep,
  )) as { Actions?: { ActionType?: string; Status?: string }[] };
  const stop = actions.Actions?.find((a) => a.ActionType === 'APPLY_IAM_POLICY');
  const state = stop?.Status ? STOP_STATES[stop.Status] : undefined;
  record({
    check: `budget stop of ${budgetName}`,
    expected: 'armed, applied or lifted (never failed)',
    observed: state?.observed ?? (stop ? `${stop.Status}: see the budget's action history` : 'missing'),
    pass: state?.pass ?? false,
  });
}

/** Real clients for a region and profile (each from the environment and config files when not given). */
export function awsClients(region?: string, profile?: string): Clients {
  const config = { region, profile, maxAttempts: 5 };
  return {
    sts: new STSClient(config),
    ssm: new SSMClient(config),
    ec2: new EC2Client(config),
    cloudtrail: new CloudTrailClient(config),
    events: new EventBridgeClient(config),
    sagemaker: new SageMakerClient(config),
    s3: new S3Client(config),
    // Both have one endpoint per partition: the SDK resolves it from any region.
    budgets: new BudgetsClient(config),
    costExplorer: new CostExplorerClient(config),
    asProjectUser: (credentials) => ({
      sagemaker: new SageMakerClient({ ...config, credentials }),
      s3: new S3Client({ ...config, credentials }),
    }),
  };
}
