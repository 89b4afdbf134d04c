import {
  DeleteAppCommand,
  DeleteDataQualityJobDefinitionCommand,
  DeleteModelBiasJobDefinitionCommand,
  DeleteModelCommand,
  DeleteModelExplainabilityJobDefinitionCommand,
  DeleteModelQualityJobDefinitionCommand,
  DeleteUserProfileCommand,
  SageMakerClient,
  StopAutoMLJobCommand,
  StopCompilationJobCommand,
  StopHyperParameterTuningJobCommand,
  StopMonitoringScheduleCommand,
  StopNotebookInstanceCommand,
  StopProcessingJobCommand,
  StopTrainingJobCommand,
} from '@aws-sdk/client-sagemaker';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { CoveredEventName } from '../../lib/config/covered-apis';
import { ProjectNetwork } from './projects';
import {
  COVERED_APIS,
  MalformedRequest,
  NetworkSettings,
  Remediation,
  RemediationOperation,
  remediationFor,
} from './rules';

/** Everything the control touches, injected so the core is tested with fakes. */
export interface Dependencies {
  readonly sagemaker: Pick<SageMakerClient, 'send'>;
  readonly sns: Pick<SNSClient, 'send'>;
  /** `fresh`: read them again now rather than from a cache. */
  readonly projectNetworks: (options?: { fresh?: boolean }) => Promise<ProjectNetwork[]>;
  readonly topicArn: string;
  /** `notify`: report what would be done, change nothing (first rollout). */
  readonly mode: 'enforce' | 'notify';
  readonly log: (line: Record<string, unknown>) => void;
  readonly sleep?: (ms: number) => Promise<void>;
}

/** Why a request is non-compliant. */
export type Violation =
  | 'no-vpc'
  | 'not-a-project-network'
  | 'no-security-group'
  | 'security-group-not-of-project'
  | 'direct-internet-access'
  | 'root-access'
  | 'domain-not-vpc-only'
  | 'not-a-project-domain'
  | 'custom-file-system';

/** Each violation in plain words, for the person who reads the finding. */
export const VIOLATION_TEXT: Record<Violation, string> = {
  'no-vpc': 'it runs outside any VPC, with the open internet and none of the project network controls',
  'not-a-project-network': 'its subnets are not all subnets of one launched project',
  'no-security-group': 'it names no security group, so it would get the VPC default group',
  'security-group-not-of-project': 'it uses a security group that is not one of its project groups',
  'direct-internet-access': 'the notebook has direct internet access',
  'root-access': 'the notebook gives its users root',
  'domain-not-vpc-only':
    'the Studio domain is not VpcOnly: its apps reach the internet through a SageMaker-managed network',
  'not-a-project-domain': 'the Studio domain it is in is not the domain of any launched project',
  'custom-file-system':
    'it mounts an EFS or FSx file system of its own choosing, which can be another domain home volume',
};

/** What was done about a non-compliant resource. */
export type Action = 'stopped' | 'deleted' | 'already-done' | 'notified' | 'in-use';

/** The result of one event. */
export type Outcome =
  | { readonly decision: 'ignored'; readonly reason: string }
  | { readonly decision: 'compliant'; readonly project?: string }
  | {
      readonly decision: 'non-compliant';
      readonly violations: Violation[];
      readonly action: Action;
    };

/** Attempts while a just-created resource may not be visible yet, or SageMaker throttles. */
const ATTEMPTS = 4;

/** Decides on one EventBridge "AWS API Call via CloudTrail" event and undoes what breaks the rules. */
export async function enforce(event: unknown, deps: Dependencies): Promise<Outcome> {
  const parsed = parse(event);
  if ('ignored' in parsed) {
    deps.log({ decision: 'ignored', reason: parsed.ignored });
    return { decision: 'ignored', reason: parsed.ignored };
  }
  const { eventName, request, who, eventId } = parsed;
  const api = COVERED_APIS[eventName];
  let settings: NetworkSettings | undefined;
  try {
    settings = api.network(request);
  } catch (error) {
    if (!(error instanceof MalformedRequest)) throw error;
    deps.log({ decision: 'ignored', reason: error.message, eventId, eventName });
    return { decision: 'ignored', reason: error.message };
  }
  let { violations, project } = evaluate(api.kind, settings, await deps.projectNetworks());
  // A domain launched since the networks were cached (a profile right after its domain) is not foreign.
  if (violations.includes('not-a-project-domain')) {
    ({ violations, project } = evaluate(api.kind, settings, await deps.projectNetworks({ fresh: true })));
  }
  const remediation = remediationFor(eventName, request);
  const base = { eventId, eventName, who, resource: remediation?.path };

  if (violations.length === 0) {
    deps.log({ ...base, decision: 'compliant', project });
    return { decision: 'compliant', project };
  }
  if (!remediation) {
    deps.log({ ...base, decision: 'ignored', reason: 'no resource name in the request', violations });
    return { decision: 'ignored', reason: 'no resource name in the request' };
  }
  const action = await remediate(remediation, deps);
  const finding = {
    ...base,
    decision: 'non-compliant',
    ...(project ? { project } : {}),
    violations,
    why: violations.map((v) => VIOLATION_TEXT[v]),
    action,
    mode: deps.mode,
    remediation: remediation.kind === 'notify-only' ? `notify only: ${remediation.why}` : remediation.operation,
    ...(action === 'in-use' && remediation.kind !== 'notify-only'
      ? {
          note: `SageMaker refused ${remediation.operation}: the resource is in use (it has apps); delete them, then it`,
        }
      : {}),
  };
  deps.log(finding);
  await deps.sns.send(
    new PublishCommand({
      TopicArn: deps.topicArn,
      Subject: `SageMaker ${eventName} outside a project network: ${action}`.slice(0, 99),
      Message: JSON.stringify(finding, null, 2),
    }),
  );
  return { decision: 'non-compliant', violations, action };
}

interface Parsed {
  readonly eventName: CoveredEventName;
  readonly request: Record<string, unknown>;
  readonly who: string;
  readonly eventId?: string;
}

/** Validates the event's shape; anything unexpected is ignored with a reason, never thrown. */
function parse(event: unknown): Parsed | { ignored: string } {
  const detail = (event as { detail?: unknown } | null)?.detail;
  if (!detail || typeof detail !== 'object') return { ignored: 'event has no detail' };
  const d = detail as Record<string, unknown>;
  if (d.eventSource !== 'sagemaker.amazonaws.com')
    return { ignored: `event source ${String(d.eventSource)} is not SageMaker` };
  if (typeof d.eventName !== 'string' || !(d.eventName in COVERED_APIS)) {
    return { ignored: `event ${String(d.eventName)} is not a covered create call` };
  }
  if (d.errorCode !== undefined) return { ignored: `the call failed (${String(d.errorCode)}): nothing was created` };
  const request = d.requestParameters;
  if (!request || typeof request !== 'object' || Array.isArray(request))
    return { ignored: 'event has no requestParameters' };
  const identity = (d.userIdentity ?? {}) as { arn?: unknown; principalId?: unknown };
  const who = typeof identity.arn === 'string' ? identity.arn : String(identity.principalId ?? 'unknown');
  return {
    eventName: d.eventName as CoveredEventName,
    request: request as Record<string, unknown>,
    who,
    eventId: typeof d.eventID === 'string' ? d.eventID : undefined,
  };
}

/** The rules: a VPC of a launched project (subnets and security groups of one project), and no open notebooks or domains. */
export function evaluate(
  kind: string,
  settings: NetworkSettings | undefined,
  projects: ProjectNetwork[],
): { violations: Violation[]; project?: string } {
  if (kind === 'user-profile' || kind === 'space' || kind === 'app' || kind === 'domain-update') {
    return evaluateInDomain(kind, settings ?? {}, projects);
  }
  const violations: Violation[] = [];
  if (kind === 'notebook') {
    if (settings?.directInternetAccess !== 'Disabled') violations.push('direct-internet-access');
    if (settings?.rootAccess !== 'Disabled') violations.push('root-access');
  }
  if (kind === 'domain') {
    // Absent on create means the default, PublicInternetOnly.
    if (settings?.appNetworkAccessType !== 'VpcOnly') violations.push('domain-not-vpc-only');
    if (settings?.fileSystems?.length) violations.push('custom-file-system');
  }
  if (settings?.delegatedTo) return { violations };
  const subnets = settings?.subnets ?? [];
  if (subnets.length === 0) return { violations: [...violations, 'no-vpc'] };
  const home = projects.find((p) => subnets.every((s) => p.subnets.has(s)));
  if (!home) return { violations: [...violations, 'not-a-project-network'] };
  const groups = settings?.securityGroups ?? [];
  // A domain without groups gets SageMaker-managed ones in its own (project) subnets.
  if (groups.length === 0 && kind !== 'domain') violations.push('no-security-group');
  else if (!groups.every((g) => home.securityGroups.has(g))) violations.push('security-group-not-of-project');
  return { violations, project: `${home.project}/${home.envType}` };
}

/**
 * Studio resources inside a domain (and updates of a domain) are judged against the project that
 * owns the domain (its published studio-domain-id): a domain of no project is itself the violation,
 * and any group or subnet the request states must be that project's. Fields a request leaves out
 * are inherited from the domain, whose own rule checked them.
 */
function evaluateInDomain(
  kind: string,
  settings: NetworkSettings,
  projects: ProjectNetwork[],
): { violations: Violation[]; project?: string } {
  const violations: Violation[] = [];
  // On update, absent means unchanged.
  if (kind === 'domain-update' && settings.appNetworkAccessType && settings.appNetworkAccessType !== 'VpcOnly')
    violations.push('domain-not-vpc-only');
  if (settings.fileSystems?.length) violations.push('custom-file-system');
  const home = projects.find((p) => p.studioDomainId !== undefined && p.studioDomainId === settings.domainId);
  if (!home) return { violations: [...violations, 'not-a-project-domain'] };
  if (settings.subnets && !settings.subnets.every((s) => home.subnets.has(s))) violations.push('not-a-project-network');
  if (!(settings.securityGroups ?? []).every((g) => home.securityGroups.has(g)))
    violations.push('security-group-not-of-project');
  return { violations, project: `${home.project}/${home.envType}` };
}

/** A command the SageMaker client can send (the SDK's per-command types do not unify). */
type SageMakerCommand = object;

const COMMANDS: Record<RemediationOperation, (name: string, within: Remediation['within']) => SageMakerCommand> = {
  StopTrainingJob: (n) => new StopTrainingJobCommand({ TrainingJobName: n }),
  StopProcessingJob: (n) => new StopProcessingJobCommand({ ProcessingJobName: n }),
  StopHyperParameterTuningJob: (n) => new StopHyperParameterTuningJobCommand({ HyperParameterTuningJobName: n }),
  StopCompilationJob: (n) => new StopCompilationJobCommand({ CompilationJobName: n }),
  StopAutoMLJob: (n) => new StopAutoMLJobCommand({ AutoMLJobName: n }),
  StopNotebookInstance: (n) => new StopNotebookInstanceCommand({ NotebookInstanceName: n }),
  StopMonitoringSchedule: (n) => new StopMonitoringScheduleCommand({ MonitoringScheduleName: n }),
  DeleteModel: (n) => new DeleteModelCommand({ ModelName: n }),
  DeleteDataQualityJobDefinition: (n) => new DeleteDataQualityJobDefinitionCommand({ JobDefinitionName: n }),
  DeleteModelBiasJobDefinition: (n) => new DeleteModelBiasJobDefinitionCommand({ JobDefinitionName: n }),
  DeleteModelExplainabilityJobDefinition: (n) =>
    new DeleteModelExplainabilityJobDefinitionCommand({ JobDefinitionName: n }),
  DeleteModelQualityJobDefinition: (n) => new DeleteModelQualityJobDefinitionCommand({ JobDefinitionName: n }),
  DeleteUserProfile: (n, w) => new DeleteUserProfileCommand({ DomainId: w.domainId, UserProfileName: n }),
  DeleteApp: (n, w) =>
    new DeleteAppCommand({
      DomainId: w.domainId,
      UserProfileName: w.userProfileName,
      SpaceName: w.spaceName,
      AppType: w.appType as never,
      AppName: n,
    }),
};

/** Undoes a resource. Idempotent: already stopped or gone counts as done. Other errors propagate. */
async function remediate(remediation: Remediation, deps: Dependencies): Promise<Action> {
  if (remediation.kind === 'notify-only' || deps.mode === 'notify') return 'notified';
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  for (let attempt = 1; ; attempt++) {
    try {
      await deps.sagemaker.send(COMMANDS[remediation.operation](remediation.name, remediation.within) as never);
      return remediation.kind === 'stop' ? 'stopped' : 'deleted';
    } catch (error) {
      const kind = classify(error);
      if (kind === 'done') return 'already-done';
      // A profile that already has apps cannot be deleted: reported for a person to finish.
      if (kind === 'in-use') return 'in-use';
      if (kind === 'not-found') {
        // CloudTrail can be faster than the resource's visibility; after that, it is gone.
        if (attempt >= ATTEMPTS) return 'already-done';
        await sleep(1000 * 2 ** (attempt - 1));
        continue;
      }
      // On top of the SDK's own retries; still throttled after that, the invocation fails and is retried.
      if (kind === 'throttled' && attempt < ATTEMPTS) {
        await sleep(2000 * 2 ** (attempt - 1));
        continue;
      }
      throw error;
    }
  }
}

/** SageMaker reports "already stopped" and "not found" as validation errors with telling messages. */
function classify(error: unknown): 'done' | 'not-found' | 'throttled' | 'in-use' | 'other' {
  const name = (error as { name?: string }).name ?? '';
  if (name === 'ResourceInUse') return 'in-use';
  if (/Throttl|TooManyRequests|RequestLimitExceeded/.test(name)) return 'throttled';
  const message = String((error as { message?: string }).message ?? '').toLowerCase();
  if (name === 'ResourceNotFound' || /could not find|not found|does not exist/.test(message)) return 'not-found';
  if (name === 'ValidationException' && /(already|not in|status|stopping|stopped|completed|failed)/.test(message)) {
    return 'done';
  }
  return 'other';
}
