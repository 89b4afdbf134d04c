/**
 * What each covered SageMaker create call looks like in CloudTrail: where its network settings
 * are, which resource it created, and how that resource is undone.
 */

/** Network settings read from a request. */
export interface NetworkSettings {
  readonly subnets?: string[];
  readonly securityGroups?: string[];
  /** Notebook instances: 'Enabled' | 'Disabled'; absent means the service default (Enabled). */
  readonly directInternetAccess?: string;
  readonly rootAccess?: string;
  /** Studio domains: 'PublicInternetOnly' | 'VpcOnly'; absent means the default (PublicInternetOnly). */
  readonly appNetworkAccessType?: string;
  /** The network is that of a named job definition, checked when the definition was created. */
  readonly delegatedTo?: string;
}

/** How a non-compliant resource is undone. */
export type Remediation =
  | { readonly kind: 'stop' | 'delete'; readonly operation: RemediationOperation; readonly name: string }
  | { readonly kind: 'notify-only'; readonly why: string; readonly name: string };

/** SageMaker operations the control may call (and nothing else). */
export type RemediationOperation =
  | 'StopTrainingJob'
  | 'StopProcessingJob'
  | 'StopHyperParameterTuningJob'
  | 'StopCompilationJob'
  | 'StopAutoMLJob'
  | 'StopNotebookInstance'
  | 'StopMonitoringSchedule'
  | 'DeleteModel'
  | 'DeleteDataQualityJobDefinition'
  | 'DeleteModelBiasJobDefinition'
  | 'DeleteModelExplainabilityJobDefinition'
  | 'DeleteModelQualityJobDefinition';

/** One covered API. */
export interface CoveredApi {
  /** Reads the network settings; undefined when the request has none. */
  readonly network: (request: Record<string, unknown>) => NetworkSettings | undefined;
  /** What to do with a non-compliant resource; `name` is the created resource's name. */
  readonly remediation: (request: Record<string, unknown>) => Remediation | undefined;
  /** Notebooks and domains have settings beyond the network to check. */
  readonly kind: 'job' | 'model' | 'notebook' | 'domain' | 'definition' | 'schedule';
}

const obj = (v: unknown): Record<string, unknown> | undefined =>
  v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
const strings = (v: unknown): string[] | undefined =>
  Array.isArray(v) && v.every((x) => typeof x === 'string') ? (v as string[]) : undefined;
const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);

/** A request whose fields have unexpected types: nothing is decided on it. */
export class MalformedRequest extends Error {}

/** `{ subnets, securityGroupIds }` in CloudTrail's camelCase. */
function vpcConfig(value: unknown): NetworkSettings | undefined {
  if (value === undefined || value === null) return undefined;
  const vpc = obj(value);
  const subnets = strings(vpc?.subnets);
  const securityGroups = strings(vpc?.securityGroupIds ?? []);
  if (!vpc || !subnets || !securityGroups)
    throw new MalformedRequest(`vpcConfig is not {subnets: string[], securityGroupIds: string[]}`);
  return { subnets, securityGroups };
}

const named =
  (field: string, kind: 'stop' | 'delete', operation: RemediationOperation) =>
  (request: Record<string, unknown>): Remediation | undefined => {
    const name = str(request[field]);
    return name ? { kind, operation, name } : undefined;
  };

const definition = (field: string, operation: RemediationOperation): CoveredApi => ({
  kind: 'definition',
  network: (r) => vpcConfig(obj(r.networkConfig)?.vpcConfig),
  remediation: named(field, 'delete', operation),
});

/** Every create call the control covers, by CloudTrail event name. */
export const COVERED_APIS: Record<string, CoveredApi> = {
  CreateTrainingJob: {
    kind: 'job',
    network: (r) => vpcConfig(r.vpcConfig),
    remediation: named('trainingJobName', 'stop', 'StopTrainingJob'),
  },
  CreateProcessingJob: {
    kind: 'job',
    network: (r) => vpcConfig(obj(r.networkConfig)?.vpcConfig),
    remediation: named('processingJobName', 'stop', 'StopProcessingJob'),
  },
  CreateHyperParameterTuningJob: {
    kind: 'job',
    // One definition, or several: every one must be in a project network.
    network: (r) => {
      const definitions = [
        obj(r.trainingJobDefinition),
        ...((r.trainingJobDefinitions as unknown[]) ?? []).map(obj),
      ].filter((d): d is Record<string, unknown> => d !== undefined);
      if (definitions.length === 0) return undefined;
      const configs = definitions.map((d) => vpcConfig(d.vpcConfig));
      if (configs.some((c) => c === undefined)) return undefined;
      return {
        subnets: configs.flatMap((c) => c!.subnets ?? []),
        securityGroups: configs.flatMap((c) => c!.securityGroups ?? []),
      };
    },
    remediation: named('hyperParameterTuningJobName', 'stop', 'StopHyperParameterTuningJob'),
  },
  CreateCompilationJob: {
    kind: 'job',
    network: (r) => vpcConfig(r.vpcConfig),
    remediation: named('compilationJobName', 'stop', 'StopCompilationJob'),
  },
  CreateAutoMLJob: {
    kind: 'job',
    network: (r) => vpcConfig(obj(obj(r.autoMLJobConfig)?.securityConfig)?.vpcConfig),
    remediation: named('autoMLJobName', 'stop', 'StopAutoMLJob'),
  },
  CreateAutoMLJobV2: {
    kind: 'job',
    network: (r) => vpcConfig(obj(r.securityConfig)?.vpcConfig),
    remediation: named('autoMLJobName', 'stop', 'StopAutoMLJob'),
  },
  CreateModel: {
    kind: 'model',
    network: (r) => vpcConfig(r.vpcConfig),
    remediation: named('modelName', 'delete', 'DeleteModel'),
  },
  CreateNotebookInstance: {
    kind: 'notebook',
    network: (r) => ({
      subnets: str(r.subnetId) ? [r.subnetId as string] : undefined,
      securityGroups: strings(r.securityGroupIds),
      directInternetAccess: str(r.directInternetAccess),
      rootAccess: str(r.rootAccess),
    }),
    // Stopping keeps the volume and the user's work; deleting would not.
    remediation: named('notebookInstanceName', 'stop', 'StopNotebookInstance'),
  },
  CreateDomain: {
    kind: 'domain',
    network: (r) => ({
      subnets: strings(r.subnetIds),
      securityGroups: strings(obj(r.defaultUserSettings)?.securityGroups) ?? [],
      appNetworkAccessType: str(r.appNetworkAccessType),
    }),
    remediation: (r) => ({
      kind: 'notify-only',
      name: str(r.domainName) ?? 'unknown-domain',
      why: 'deleting a Studio domain would delete its users home directories; the security team decides',
    }),
  },
  CreateDataQualityJobDefinition: definition('jobDefinitionName', 'DeleteDataQualityJobDefinition'),
  CreateModelBiasJobDefinition: definition('jobDefinitionName', 'DeleteModelBiasJobDefinition'),
  CreateModelExplainabilityJobDefinition: definition('jobDefinitionName', 'DeleteModelExplainabilityJobDefinition'),
  CreateModelQualityJobDefinition: definition('jobDefinitionName', 'DeleteModelQualityJobDefinition'),
  CreateMonitoringSchedule: {
    kind: 'schedule',
    // An inline job definition carries its network; a schedule that names a definition is covered by that definition's event.
    network: (r) => {
      const config = obj(r.monitoringScheduleConfig);
      const inline = obj(config?.monitoringJobDefinition);
      const definitionName = str(config?.monitoringJobDefinitionName);
      if (!inline) return definitionName ? { delegatedTo: definitionName } : undefined;
      return vpcConfig(obj(inline.networkConfig)?.vpcConfig);
    },
    remediation: named('monitoringScheduleName', 'stop', 'StopMonitoringSchedule'),
  },
};

/** The event names the EventBridge rule must match. */
export const COVERED_EVENT_NAMES = Object.keys(COVERED_APIS);
