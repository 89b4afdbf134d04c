/**
 * What each covered SageMaker create call looks like in CloudTrail: where its network settings
 * are, which resource it created, and how that resource is undone.
 */

import {
  COVERED_API_TABLE,
  COVERED_EVENT_NAMES,
  CoveredApiEntry,
  CoveredEventName,
  RemediationOperation,
  Undo,
} from '../../lib/config/covered-apis';

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

/** How a non-compliant resource is undone, for the resource `name` the request created. */
export type Remediation = Undo & { readonly name: string };

export type { RemediationOperation };

/** How the control reads one covered API's request (what it creates and how it is undone: COVERED_API_TABLE). */
export interface CoveredApi {
  /** Reads the network settings; undefined when the request has none. */
  readonly network: (request: Record<string, unknown>) => NetworkSettings | undefined;
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

const definition: CoveredApi = {
  kind: 'definition',
  network: (r) => vpcConfig(obj(r.networkConfig)?.vpcConfig),
};

/** Every create call the control covers, by CloudTrail event name. */
export const COVERED_APIS: Record<CoveredEventName, CoveredApi> = {
  CreateTrainingJob: {
    kind: 'job',
    network: (r) => vpcConfig(r.vpcConfig),
  },
  CreateProcessingJob: {
    kind: 'job',
    network: (r) => vpcConfig(obj(r.networkConfig)?.vpcConfig),
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
  },
  CreateCompilationJob: {
    kind: 'job',
    network: (r) => vpcConfig(r.vpcConfig),
  },
  CreateAutoMLJob: {
    kind: 'job',
    network: (r) => vpcConfig(obj(obj(r.autoMLJobConfig)?.securityConfig)?.vpcConfig),
  },
  CreateAutoMLJobV2: {
    kind: 'job',
    network: (r) => vpcConfig(obj(r.securityConfig)?.vpcConfig),
  },
  CreateModel: {
    kind: 'model',
    network: (r) => vpcConfig(r.vpcConfig),
  },
  CreateNotebookInstance: {
    kind: 'notebook',
    network: (r) => ({
      subnets: str(r.subnetId) ? [r.subnetId as string] : undefined,
      securityGroups: strings(r.securityGroupIds),
      directInternetAccess: str(r.directInternetAccess),
      rootAccess: str(r.rootAccess),
    }),
  },
  CreateDomain: {
    kind: 'domain',
    network: (r) => ({
      subnets: strings(r.subnetIds),
      securityGroups: strings(obj(r.defaultUserSettings)?.securityGroups) ?? [],
      appNetworkAccessType: str(r.appNetworkAccessType),
    }),
  },
  CreateDataQualityJobDefinition: definition,
  CreateModelBiasJobDefinition: definition,
  CreateModelExplainabilityJobDefinition: definition,
  CreateModelQualityJobDefinition: definition,
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
  },
};

/** What to do with the resource a covered request created; undefined when the request names none. */
export function remediationFor(eventName: CoveredEventName, request: Record<string, unknown>): Remediation | undefined {
  const { nameField, undo, resourceType } = COVERED_API_TABLE[eventName] as CoveredApiEntry;
  const name = str(request[nameField]);
  // A finding still names what it is about when the request does not.
  if (undo.kind === 'notify-only') return { ...undo, name: name ?? `unknown-${resourceType}` };
  return name ? { ...undo, name } : undefined;
}

export { COVERED_EVENT_NAMES };
