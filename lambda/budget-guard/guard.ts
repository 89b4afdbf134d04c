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
  ListAutoMLJobsCommand,
  ListCompilationJobsCommand,
  ListEndpointsCommand,
  ListHyperParameterTuningJobsCommand,
  ListMonitoringSchedulesCommand,
  ListNotebookInstancesCommand,
  ListPipelineExecutionsCommand,
  ListPipelinesCommand,
  ListProcessingJobsCommand,
  ListTagsCommand,
  ListTrainingJobsCommand,
  ListTransformJobsCommand,
  SageMakerClient,
  StopAutoMLJobCommand,
  StopCompilationJobCommand,
  StopHyperParameterTuningJobCommand,
  StopMonitoringScheduleCommand,
  StopNotebookInstanceCommand,
  StopPipelineExecutionCommand,
  StopProcessingJobCommand,
  StopTrainingJobCommand,
  StopTransformJobCommand,
  UpdateEndpointWeightsAndCapacitiesCommand,
} from '@aws-sdk/client-sagemaker';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import {
  ACTION_STATUS,
  ENDPOINTS_ON_STOP,
  ENDPOINTS_ON_STOP_TAG,
  EndpointsOnStop,
  EXECUTION_ROLE_SUFFIXES,
  HALTED_WORKLOADS,
  PIPELINE_CALLS,
  WorkloadKind,
} from '../../lib/config/budget';
import { Names, TAG_KEYS } from '../../lib/config/names';

/** What the guard needs from its environment; tests pass mocked clients. */
export interface GuardDeps {
  readonly budgets: BudgetsClient;
  readonly sagemaker: SageMakerClient;
  readonly sns: SNSClient;
  readonly iam: IAMClient;
  readonly topicArn: string;
  readonly account: string;
  readonly partition: string;
  /** This deployment's names: its project budgets, roles and pipelines start with its project namespace. */
  readonly names: Names;
  readonly log: (line: Record<string, unknown>) => void;
}

/** One thing the guard did (or failed to do), published as a finding. */
export interface Finding {
  readonly budget: string;
  readonly project?: string;
  readonly environment?: string;
  readonly action:
    'stopped' | 'scaled-down' | 'deleted' | 'denied' | 'allowed-again' | 'lifted' | 're-armed' | 'failed';
  readonly resource?: string;
  readonly detail: string;
}

interface Running {
  readonly name: string;
  readonly arn: string;
}

/**
 * One run of the budget guard, every few minutes. For each budget stop of this deployment's projects:
 * while AWS Budgets has applied the stop (or failed to) and actual spend is at or over the limit, extend
 * the stop to the project's notebook execution roles and halt its running work (idempotent: only what
 * still runs is touched); once spend is under the limit again (the budget was raised, or a new month
 * began), take the stop off those roles and lift it; after a lift, re-arm the action. Failed lifts or
 * re-arms are reported for a person.
 */
export async function guard(deps: GuardDeps): Promise<Finding[]> {
  const findings: Finding[] = [];
  for (const action of await projectBudgetActions(deps)) {
    const budget = action.BudgetName!;
    const status = action.Status ?? '';
    const stuck = (ACTION_STATUS.stuck as readonly string[]).includes(status);
    const tracked = [ACTION_STATUS.applied, ACTION_STATUS.reversed, ACTION_STATUS.failed] as string[];
    if (!tracked.includes(status) && !stuck) continue;
    const tags = await budgetTags(deps, budget);
    const project = tags[TAG_KEYS.projectName];
    const environment = tags[TAG_KEYS.environmentType];
    if (!project || !environment) {
      findings.push({ budget, action: 'failed', detail: 'the budget has no project tags: nothing was halted' });
      continue;
    }
    const who = { budget, project, environment };
    if (stuck) {
      findings.push({
        ...who,
        action: 'failed',
        detail: `the budget action is ${status}: see its history in AWS Budgets`,
      });
      continue;
    }
    const under = await spendUnderLimit(deps, budget);
    const stopPolicy = action.Definition?.IamActionDefinition?.PolicyArn;
    if (status === ACTION_STATUS.reversed) {
      if (under) {
        await execute(deps, action, 'RESET_BUDGET_ACTION');
        findings.push({
          ...who,
          action: 're-armed',
          detail: 'the stop applies again when actual spend reaches the limit',
        });
      }
      continue;
    }
    if (under) {
      // The stop is lifted (or, after a failed execution, never held): the execution roles get their rights back.
      if (stopPolicy)
        findings.push(
          ...(await executionRoles(deps, project, environment, stopPolicy, 'detach')).map((f) => ({ ...who, ...f })),
        );
      if (status === ACTION_STATUS.applied) {
        await execute(deps, action, 'REVERSE_BUDGET_ACTION');
        findings.push({
          ...who,
          action: 'lifted',
          detail: 'actual spend is under the limit: the stop policy is detached',
        });
      }
      continue;
    }
    if (status === ACTION_STATUS.failed) {
      findings.push({
        ...who,
        action: 'failed',
        detail:
          'AWS Budgets could not apply the stop (EXECUTION_FAILURE): the guard halts the work anyway; see the action history',
      });
    }
    if (stopPolicy)
      findings.push(
        ...(await executionRoles(deps, project, environment, stopPolicy, 'attach')).map((f) => ({ ...who, ...f })),
      );
    const onEndpoints = ENDPOINTS_ON_STOP.find((v) => v === tags[ENDPOINTS_ON_STOP_TAG]) ?? 'ScaleDown';
    findings.push(...(await halt(deps, project, environment, onEndpoints)).map((f) => ({ ...who, ...f })));
  }
  for (const finding of findings) {
    deps.log({ control: 'budget-guard', ...finding });
    await deps.sns.send(
      new PublishCommand({
        TopicArn: deps.topicArn,
        Subject: `Budget ${finding.budget}: ${finding.action}`.slice(0, 99),
        Message: JSON.stringify(finding, null, 2),
      }),
    );
  }
  if (findings.length === 0) deps.log({ control: 'budget-guard', decision: 'nothing to do' });
  return findings;
}

/**
 * Attaches the stop policy to (or detaches it from) every notebook and Studio execution role of the project:
 * they are created per launch, so the budget action, which names its roles once, cannot.
 * Only roles that need the change are touched.
 */
async function executionRoles(
  deps: GuardDeps,
  project: string,
  environment: string,
  stopPolicy: string,
  change: 'attach' | 'detach',
): Promise<Halted[]> {
  const prefixes = EXECUTION_ROLE_SUFFIXES.map((suffix) => deps.names.projectResource(project, environment, suffix));
  const out: Halted[] = [];
  let Marker: string | undefined;
  do {
    const page = await deps.iam.send(new ListRolesCommand({ Marker }));
    for (const role of (page.Roles ?? []).filter((r) => prefixes.some((p) => r.RoleName?.startsWith(p)))) {
      const RoleName = role.RoleName!;
      const { AttachedPolicies } = await deps.iam.send(new ListAttachedRolePoliciesCommand({ RoleName }));
      const attached = (AttachedPolicies ?? []).some((p) => p.PolicyArn === stopPolicy);
      if (attached === (change === 'attach')) continue;
      try {
        await deps.iam.send(
          change === 'attach'
            ? new AttachRolePolicyCommand({ RoleName, PolicyArn: stopPolicy })
            : new DetachRolePolicyCommand({ RoleName, PolicyArn: stopPolicy }),
        );
        out.push({
          action: change === 'attach' ? 'denied' : 'allowed-again',
          resource: role.Arn,
          detail:
            change === 'attach'
              ? 'the budget stop is attached to this notebook execution role'
              : 'the budget stop is detached from this notebook execution role',
        });
      } catch (e) {
        out.push({
          action: 'failed',
          resource: role.Arn,
          detail: `${change} the budget stop: ${(e as Error).name}: ${(e as Error).message}`,
        });
      }
    }
    Marker = page.IsTruncated ? page.Marker : undefined;
  } while (Marker);
  return out;
}

async function projectBudgetActions(deps: GuardDeps): Promise<Action[]> {
  const actions: Action[] = [];
  let NextToken: string | undefined;
  do {
    const page = await deps.budgets.send(
      new DescribeBudgetActionsForAccountCommand({ AccountId: deps.account, NextToken }),
    );
    actions.push(...(page.Actions ?? []));
    NextToken = page.NextToken;
  } while (NextToken);
  return actions.filter(
    (a) => a.BudgetName?.startsWith(deps.names.projectNamespace) && a.ActionType === 'APPLY_IAM_POLICY',
  );
}

const budgetArn = (deps: GuardDeps, budget: string) =>
  `arn:${deps.partition}:budgets::${deps.account}:budget/${budget}`;

async function budgetTags(deps: GuardDeps, budget: string): Promise<Record<string, string>> {
  const { ResourceTags } = await deps.budgets.send(
    new ListTagsForResourceCommand({ ResourceARN: budgetArn(deps, budget) }),
  );
  return Object.fromEntries((ResourceTags ?? []).map((t) => [t.Key, t.Value ?? '']));
}

async function spendUnderLimit(deps: GuardDeps, budget: string): Promise<boolean> {
  const { Budget } = await deps.budgets.send(
    new DescribeBudgetCommand({ AccountId: deps.account, BudgetName: budget }),
  );
  const limit = Number(Budget?.BudgetLimit?.Amount);
  const actual = Number(Budget?.CalculatedSpend?.ActualSpend?.Amount ?? 0);
  if (!Number.isFinite(limit)) throw new Error(`Budget ${budget} has no limit`);
  return actual < limit;
}

async function execute(
  deps: GuardDeps,
  action: Action,
  ExecutionType: 'REVERSE_BUDGET_ACTION' | 'RESET_BUDGET_ACTION',
) {
  await deps.budgets.send(
    new ExecuteBudgetActionCommand({
      AccountId: deps.account,
      BudgetName: action.BudgetName,
      ActionId: action.ActionId,
      ExecutionType,
    }),
  );
}

/** Lists and stops one kind of running work; the names follow HALTED_WORKLOADS. */
interface Workload {
  list(sagemaker: SageMakerClient, NextToken?: string): Promise<{ items: Running[]; next?: string }>;
  stop(sagemaker: SageMakerClient, name: string): Promise<unknown>;
}

const WORKLOADS: Record<WorkloadKind, Workload> = {
  notebook: {
    list: async (s, NextToken) => {
      const r = await s.send(new ListNotebookInstancesCommand({ StatusEquals: 'InService', NextToken }));
      const items = (r.NotebookInstances ?? []).map((n) => ({
        name: n.NotebookInstanceName!,
        arn: n.NotebookInstanceArn!,
      }));
      return { items, next: r.NextToken };
    },
    stop: (s, name) => s.send(new StopNotebookInstanceCommand({ NotebookInstanceName: name })),
  },
  training: {
    list: async (s, NextToken) => {
      const r = await s.send(new ListTrainingJobsCommand({ StatusEquals: 'InProgress', NextToken }));
      const items = (r.TrainingJobSummaries ?? []).map((j) => ({ name: j.TrainingJobName!, arn: j.TrainingJobArn! }));
      return { items, next: r.NextToken };
    },
    stop: (s, name) => s.send(new StopTrainingJobCommand({ TrainingJobName: name })),
  },
  processing: {
    list: async (s, NextToken) => {
      const r = await s.send(new ListProcessingJobsCommand({ StatusEquals: 'InProgress', NextToken }));
      const items = (r.ProcessingJobSummaries ?? []).map((j) => ({
        name: j.ProcessingJobName!,
        arn: j.ProcessingJobArn!,
      }));
      return { items, next: r.NextToken };
    },
    stop: (s, name) => s.send(new StopProcessingJobCommand({ ProcessingJobName: name })),
  },
  transform: {
    list: async (s, NextToken) => {
      const r = await s.send(new ListTransformJobsCommand({ StatusEquals: 'InProgress', NextToken }));
      const items = (r.TransformJobSummaries ?? []).map((j) => ({
        name: j.TransformJobName!,
        arn: j.TransformJobArn!,
      }));
      return { items, next: r.NextToken };
    },
    stop: (s, name) => s.send(new StopTransformJobCommand({ TransformJobName: name })),
  },
  tuning: {
    list: async (s, NextToken) => {
      const r = await s.send(new ListHyperParameterTuningJobsCommand({ StatusEquals: 'InProgress', NextToken }));
      const items = (r.HyperParameterTuningJobSummaries ?? []).map((j) => ({
        name: j.HyperParameterTuningJobName!,
        arn: j.HyperParameterTuningJobArn!,
      }));
      return { items, next: r.NextToken };
    },
    stop: (s, name) => s.send(new StopHyperParameterTuningJobCommand({ HyperParameterTuningJobName: name })),
  },
  automl: {
    list: async (s, NextToken) => {
      const r = await s.send(new ListAutoMLJobsCommand({ StatusEquals: 'InProgress', NextToken }));
      const items = (r.AutoMLJobSummaries ?? []).map((j) => ({ name: j.AutoMLJobName!, arn: j.AutoMLJobArn! }));
      return { items, next: r.NextToken };
    },
    stop: (s, name) => s.send(new StopAutoMLJobCommand({ AutoMLJobName: name })),
  },
  compilation: {
    list: async (s, NextToken) => {
      const r = await s.send(new ListCompilationJobsCommand({ StatusEquals: 'INPROGRESS', NextToken }));
      const items = (r.CompilationJobSummaries ?? []).map((j) => ({
        name: j.CompilationJobName!,
        arn: j.CompilationJobArn!,
      }));
      return { items, next: r.NextToken };
    },
    stop: (s, name) => s.send(new StopCompilationJobCommand({ CompilationJobName: name })),
  },
  schedule: {
    list: async (s, NextToken) => {
      const r = await s.send(new ListMonitoringSchedulesCommand({ StatusEquals: 'Scheduled', NextToken }));
      const items = (r.MonitoringScheduleSummaries ?? []).map((m) => ({
        name: m.MonitoringScheduleName!,
        arn: m.MonitoringScheduleArn!,
      }));
      return { items, next: r.NextToken };
    },
    stop: (s, name) => s.send(new StopMonitoringScheduleCommand({ MonitoringScheduleName: name })),
  },
};

async function listAll(list: Workload['list'], sagemaker: SageMakerClient): Promise<Running[]> {
  const all: Running[] = [];
  let next: string | undefined;
  do {
    const page = await list(sagemaker, next);
    all.push(...page.items);
    next = page.next;
  } while (next);
  return all;
}

/**
 * Whether a resource carries both tags of the project environment. Keys are compared as IAM compares
 * them, whatever their case: IAM let the resource be created with them.
 */
async function belongs(
  sagemaker: SageMakerClient,
  arn: string,
  project: string,
  environment: string,
): Promise<boolean> {
  const { Tags } = await sagemaker.send(new ListTagsCommand({ ResourceArn: arn }));
  const tag = (key: string) => Tags?.find((t) => t.Key?.toLowerCase() === key.toLowerCase())?.Value;
  return tag(TAG_KEYS.projectName) === project && tag(TAG_KEYS.environmentType) === environment;
}

type Halted = Omit<Finding, 'budget' | 'project' | 'environment'>;

/** Halts the project's running work; a failure on one resource is a finding, never the end of the run. */
async function halt(
  deps: GuardDeps,
  project: string,
  environment: string,
  onEndpoints: EndpointsOnStop,
): Promise<Halted[]> {
  const out: Halted[] = [];
  const attempt = async (resource: string, action: Halted['action'], detail: string, call: () => Promise<unknown>) => {
    try {
      await call();
      out.push({ action, resource, detail });
    } catch (e) {
      out.push({ action: 'failed', resource, detail: `${detail}: ${(e as Error).name}: ${(e as Error).message}` });
    }
  };
  for (const kind of Object.keys(WORKLOADS) as WorkloadKind[]) {
    const workload = WORKLOADS[kind];
    for (const item of await listAll(workload.list, deps.sagemaker)) {
      if (!(await belongs(deps.sagemaker, item.arn, project, environment))) continue;
      await attempt(item.arn, 'stopped', `${HALTED_WORKLOADS[kind].stop} (budget exhausted)`, () =>
        workload.stop(deps.sagemaker, item.name),
      );
    }
  }
  for (const execution of await runningPipelineExecutions(deps, project, environment)) {
    await attempt(execution, 'stopped', `${PIPELINE_CALLS.stop} (budget exhausted)`, () =>
      deps.sagemaker.send(new StopPipelineExecutionCommand({ PipelineExecutionArn: execution })),
    );
  }
  for (const endpoint of await listAll(listEndpoints, deps.sagemaker)) {
    if (!(await belongs(deps.sagemaker, endpoint.arn, project, environment))) continue;
    if (onEndpoints === 'Delete') {
      await attempt(
        endpoint.arn,
        'deleted',
        'DeleteEndpoint (budget exhausted; its configuration and models stay)',
        () => deps.sagemaker.send(new DeleteEndpointCommand({ EndpointName: endpoint.name })),
      );
      continue;
    }
    const { ProductionVariants } = await deps.sagemaker.send(
      new DescribeEndpointCommand({ EndpointName: endpoint.name }),
    );
    // Serverless variants have no instance count; variants already at one instance are left alone.
    const larger = (ProductionVariants ?? []).filter((v) => (v.CurrentInstanceCount ?? 0) > 1);
    if (larger.length === 0) continue;
    await attempt(
      endpoint.arn,
      'scaled-down',
      `UpdateEndpointWeightsAndCapacities to one instance for ${larger.map((v) => v.VariantName).join(', ')} (budget exhausted)`,
      () =>
        deps.sagemaker.send(
          new UpdateEndpointWeightsAndCapacitiesCommand({
            EndpointName: endpoint.name,
            DesiredWeightsAndCapacities: larger.map((v) => ({ VariantName: v.VariantName, DesiredInstanceCount: 1 })),
          }),
        ),
    );
  }
  return out;
}

const listEndpoints: Workload['list'] = async (s, NextToken) => {
  const r = await s.send(new ListEndpointsCommand({ StatusEquals: 'InService', NextToken }));
  return { items: (r.Endpoints ?? []).map((e) => ({ name: e.EndpointName!, arn: e.EndpointArn! })), next: r.NextToken };
};

/** Executing runs of the project's pipelines, found by the project's name prefix. */
async function runningPipelineExecutions(deps: GuardDeps, project: string, environment: string): Promise<string[]> {
  const PipelineNamePrefix = deps.names.projectResource(project, environment, '');
  const pipelines: string[] = [];
  let NextToken: string | undefined;
  do {
    const page = await deps.sagemaker.send(new ListPipelinesCommand({ PipelineNamePrefix, NextToken }));
    pipelines.push(
      ...(page.PipelineSummaries ?? []).map((p) => p.PipelineName!).filter((n) => n.startsWith(PipelineNamePrefix)),
    );
    NextToken = page.NextToken;
  } while (NextToken);
  const running: string[] = [];
  for (const PipelineName of pipelines) {
    let next: string | undefined;
    do {
      const page = await deps.sagemaker.send(new ListPipelineExecutionsCommand({ PipelineName, NextToken: next }));
      running.push(
        ...(page.PipelineExecutionSummaries ?? [])
          .filter((e) => e.PipelineExecutionStatus === 'Executing')
          .map((e) => e.PipelineExecutionArn!),
      );
      next = page.NextToken;
    } while (next);
  }
  return running;
}
