/**
 * What each covered SageMaker call looks like in CloudTrail: where its network settings are, which
 * resource it created (or changed), and how that resource is undone.
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
  /** Studio domains: 'PublicInternetOnly' | 'VpcOnly'; absent means the default (PublicInternetOnly) on create, unchanged on update. */
  readonly appNetworkAccessType?: string;
  /** Studio profiles, spaces, apps and domain updates: the domain they are in. */
  readonly domainId?: string;
  /** Studio: ids of the EFS or FSx file systems mounted next to the domain's own home volume. */
  readonly fileSystems?: string[];
  /** The network is that of a named job definition, checked when the definition was created. */
  readonly delegatedTo?: string;
}

/** How a non-compliant resource is undone, for the resource `name` the request created. */
export type Remediation = Undo & {
  readonly name: string;
  /** The request fields that place a Studio resource (domainId, userProfileName or spaceName, appType). */
  readonly within: Readonly<Record<string, string>>;
  /** The resource's ARN path after its type, for findings: the name, or `<domainId>/.../<name>`. */
  readonly path: string;
};

export type { RemediationOperation };

/** How the control reads one covered API's request (what it creates and how it is undone: COVERED_API_TABLE). */
export interface CoveredApi {
  /** Reads the network settings; undefined when the request has none. */
  readonly network: (request: Record<string, unknown>) => NetworkSettings | undefined;
  /** Notebooks and domains have settings beyond the network to check; Studio resources are judged by their domain. */
  readonly kind:
    | 'job'
    | 'model'
    | 'notebook'
    | 'domain'
    | 'domain-update'
    | 'user-profile'
    | 'space'
    | 'app'
    | 'definition'
    | 'schedule';
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

/** A list of strings, or nothing; anything else is malformed (a wrong type must not pass as "no groups"). */
function optionalStrings(value: unknown, field: string): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  const list = strings(value);
  if (!list) throw new MalformedRequest(`${field} is not a list of strings`);
  return list;
}

/** The domain a Studio request is about: required, it is what decides. */
function domainIdOf(request: Record<string, unknown>): string {
  const id = str(request.domainId);
  if (!id) throw new MalformedRequest('domainId is not a string');
  return id;
}

/**
 * Ids of the EFS and FSx file systems in a list of custom file systems (space settings) or of their
 * configs (user settings). Each entry is a union with one member; the member's name is matched loosely
 * (efsFileSystem, eFSFileSystem, fSxLustreFileSystem...) because CloudTrail's casing of these
 * acronym-led names is not documented. S3 file systems are left out: S3 access is the execution
 * role's, and the project's bucket policies bound it.
 */
function fileSystemIds(value: unknown, field: string): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new MalformedRequest(`${field} is not a list`);
  return value.flatMap((entry) => {
    const members = obj(entry);
    if (!members) throw new MalformedRequest(`${field} has an entry that is not an object`);
    return Object.entries(members)
      .filter(([member]) => /^(efs|fsx)/i.test(member))
      .map(([, config]) => {
        const id = str(obj(config)?.fileSystemId);
        if (!id) throw new MalformedRequest(`${field} has a file system without a fileSystemId`);
        return id;
      });
  });
}

/** Groups and mounted file systems of a `UserSettings` or `DefaultSpaceSettings` (CreateDomain, UpdateDomain, CreateUserProfile). */
function studioSettings(value: unknown, field: string): { securityGroups: string[]; fileSystems: string[] } {
  if (value === undefined || value === null) return { securityGroups: [], fileSystems: [] };
  const settings = obj(value);
  if (!settings) throw new MalformedRequest(`${field} is not an object`);
  return {
    securityGroups: optionalStrings(settings.securityGroups, `${field}.securityGroups`) ?? [],
    fileSystems: fileSystemIds(settings.customFileSystemConfigs, `${field}.customFileSystemConfigs`),
  };
}

/**
 * A domain's network as a create or update request states it: its subnets, and every group it would
 * give apps: default user settings, default space settings, and the domain-level groups
 * (domainSettings on create, domainSettingsForUpdate on update).
 */
function domainNetwork(request: Record<string, unknown>, domainSettingsField: string): NetworkSettings {
  const user = studioSettings(request.defaultUserSettings, 'defaultUserSettings');
  const space = studioSettings(request.defaultSpaceSettings, 'defaultSpaceSettings');
  const domainSettings = obj(request[domainSettingsField]);
  if (request[domainSettingsField] != null && !domainSettings)
    throw new MalformedRequest(`${domainSettingsField} is not an object`);
  const domainGroups =
    optionalStrings(domainSettings?.securityGroupIds, `${domainSettingsField}.securityGroupIds`) ?? [];
  return {
    subnets: optionalStrings(request.subnetIds, 'subnetIds'),
    securityGroups: [...user.securityGroups, ...space.securityGroups, ...domainGroups],
    appNetworkAccessType: str(request.appNetworkAccessType),
    fileSystems: [...user.fileSystems, ...space.fileSystems],
  };
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
    network: (r) => domainNetwork(r, 'domainSettings'),
  },
  // Only what the update states is checked: an absent field keeps its (already checked) value.
  UpdateDomain: {
    kind: 'domain-update',
    network: (r) => ({ ...domainNetwork(r, 'domainSettingsForUpdate'), domainId: domainIdOf(r) }),
  },
  // Absent groups inherit the domain's defaults, which the domain's own rule checks.
  CreateUserProfile: {
    kind: 'user-profile',
    network: (r) => ({ ...studioSettings(r.userSettings, 'userSettings'), domainId: domainIdOf(r) }),
  },
  // SpaceSettings carry no groups: a space's apps run with its owner's (or the domain's default space) groups.
  CreateSpace: {
    kind: 'space',
    network: (r) => {
      const settings = r.spaceSettings === undefined ? {} : obj(r.spaceSettings);
      if (!settings) throw new MalformedRequest('spaceSettings is not an object');
      return {
        domainId: domainIdOf(r),
        fileSystems: fileSystemIds(settings.customFileSystems, 'spaceSettings.customFileSystems'),
      };
    },
  },
  // An app carries no network: it runs in its domain's, so the domain is what is checked.
  CreateApp: {
    kind: 'app',
    network: (r) => ({ domainId: domainIdOf(r) }),
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

/** What to do with the resource a covered request created; undefined when the request does not name it fully. */
export function remediationFor(eventName: CoveredEventName, request: Record<string, unknown>): Remediation | undefined {
  const { nameField, undo, resourceType, within: fields = [] } = COVERED_API_TABLE[eventName] as CoveredApiEntry;
  const name = str(request[nameField]);
  const within: Record<string, string> = {};
  for (const alternatives of fields) {
    const field = (typeof alternatives === 'string' ? [alternatives] : alternatives).find((f) => str(request[f]));
    if (field) within[field] = request[field] as string;
  }
  const complete = name !== undefined && Object.keys(within).length === fields.length;
  const path = [...Object.values(within), name ?? `unknown-${resourceType}`].join('/');
  // A finding still names what it is about when the request does not.
  if (undo.kind === 'notify-only') return { ...undo, name: name ?? `unknown-${resourceType}`, within, path };
  return complete ? { ...undo, name, within, path } : undefined;
}

export { COVERED_EVENT_NAMES };
