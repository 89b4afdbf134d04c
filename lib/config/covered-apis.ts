/**
 * The one table of the detective control: each SageMaker create call it covers (and UpdateDomain, the
 * one update that can change a network; by CloudTrail event name), the resource type it creates (its IAM ARN type), the request field that names it, and how
 * the control undoes it. The Lambda's rules, the function's IAM actions and resources, the
 * EventBridge pattern and the acknowledgements are all derived from it: adding a covered API is a
 * change here (the Lambda's rules then fail to compile until they read its network settings).
 * Pure data: imported by both lib/ and lambda/.
 */

/** SageMaker operations the control may call to undo a resource (and nothing else). */
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
  | 'DeleteModelQualityJobDefinition'
  | 'DeleteUserProfile'
  | 'DeleteApp';

/** How a non-compliant resource is undone: a call on it, or only a finding (with the reason). */
export type Undo =
  | { readonly kind: 'stop' | 'delete'; readonly operation: RemediationOperation }
  | { readonly kind: 'notify-only'; readonly why: string };

/** One covered create call. */
export interface CoveredApiEntry {
  /** The created resource's type in IAM ARNs (`arn:...:sagemaker:<region>:<account>:<type>/<name>`). */
  readonly resourceType: string;
  /** The CloudTrail request field that names the created resource. */
  readonly nameField: string;
  /**
   * Studio resources are named inside a domain (apps inside a profile or space, by type): the request
   * fields that, in this order and followed by the name, make up the resource's ARN path. A list of
   * fields is alternatives (the first present is taken).
   * @default - none: the name alone identifies the resource
   */
  readonly within?: readonly (string | readonly string[])[];
  readonly undo: Undo;
}

const stop = (operation: RemediationOperation): Undo => ({ kind: 'stop', operation });
const remove = (operation: RemediationOperation): Undo => ({ kind: 'delete', operation });

export const COVERED_API_TABLE = {
  CreateTrainingJob: { resourceType: 'training-job', nameField: 'trainingJobName', undo: stop('StopTrainingJob') },
  CreateProcessingJob: {
    resourceType: 'processing-job',
    nameField: 'processingJobName',
    undo: stop('StopProcessingJob'),
  },
  CreateHyperParameterTuningJob: {
    resourceType: 'hyper-parameter-tuning-job',
    nameField: 'hyperParameterTuningJobName',
    undo: stop('StopHyperParameterTuningJob'),
  },
  CreateCompilationJob: {
    resourceType: 'compilation-job',
    nameField: 'compilationJobName',
    undo: stop('StopCompilationJob'),
  },
  CreateAutoMLJob: { resourceType: 'automl-job', nameField: 'autoMLJobName', undo: stop('StopAutoMLJob') },
  CreateAutoMLJobV2: { resourceType: 'automl-job', nameField: 'autoMLJobName', undo: stop('StopAutoMLJob') },
  CreateModel: { resourceType: 'model', nameField: 'modelName', undo: remove('DeleteModel') },
  // Stopping keeps the volume and the user's work; deleting would not.
  CreateNotebookInstance: {
    resourceType: 'notebook-instance',
    nameField: 'notebookInstanceName',
    undo: stop('StopNotebookInstance'),
  },
  CreateDomain: {
    resourceType: 'domain',
    nameField: 'domainName',
    undo: {
      kind: 'notify-only',
      why: 'deleting a Studio domain would delete its users home directories; the security team decides',
    },
  },
  // The request names the domain by id; the control cannot put the old settings back (it does not know
  // them, and SageMaker refuses network changes while apps run), so a person does.
  UpdateDomain: {
    resourceType: 'domain',
    nameField: 'domainId',
    undo: {
      kind: 'notify-only',
      why: 'the previous domain settings are not known to the control, and SageMaker only changes a domain network while no app runs; the security team restores them',
    },
  },
  // A profile just created has no apps and no files of its own yet: deleting it loses nothing.
  CreateUserProfile: {
    resourceType: 'user-profile',
    nameField: 'userProfileName',
    within: ['domainId'],
    undo: remove('DeleteUserProfile'),
  },
  CreateSpace: {
    resourceType: 'space',
    nameField: 'spaceName',
    within: ['domainId'],
    undo: {
      kind: 'notify-only',
      why: 'deleting a space deletes its storage volume and the work on it; the security team decides',
    },
  },
  // Deleting an app stops its compute; the files stay on the profile's or space's storage.
  CreateApp: {
    resourceType: 'app',
    nameField: 'appName',
    within: ['domainId', ['userProfileName', 'spaceName'], 'appType'],
    undo: remove('DeleteApp'),
  },
  CreateDataQualityJobDefinition: {
    resourceType: 'data-quality-job-definition',
    nameField: 'jobDefinitionName',
    undo: remove('DeleteDataQualityJobDefinition'),
  },
  CreateModelBiasJobDefinition: {
    resourceType: 'model-bias-job-definition',
    nameField: 'jobDefinitionName',
    undo: remove('DeleteModelBiasJobDefinition'),
  },
  CreateModelExplainabilityJobDefinition: {
    resourceType: 'model-explainability-job-definition',
    nameField: 'jobDefinitionName',
    undo: remove('DeleteModelExplainabilityJobDefinition'),
  },
  CreateModelQualityJobDefinition: {
    resourceType: 'model-quality-job-definition',
    nameField: 'jobDefinitionName',
    undo: remove('DeleteModelQualityJobDefinition'),
  },
  CreateMonitoringSchedule: {
    resourceType: 'monitoring-schedule',
    nameField: 'monitoringScheduleName',
    undo: stop('StopMonitoringSchedule'),
  },
} as const satisfies Record<string, CoveredApiEntry>;

/** CloudTrail event names of the covered calls: what the EventBridge rule matches. */
export type CoveredEventName = keyof typeof COVERED_API_TABLE;
export const COVERED_EVENT_NAMES = Object.keys(COVERED_API_TABLE) as CoveredEventName[];

/** What the control's role may call, and on which resource types: one entry per remediation operation. */
export function remediationGrants(): { operation: RemediationOperation; resourceTypes: string[] }[] {
  const byOperation = new Map<RemediationOperation, Set<string>>();
  for (const entry of Object.values(COVERED_API_TABLE) as CoveredApiEntry[]) {
    if (entry.undo.kind === 'notify-only') continue;
    const types = byOperation.get(entry.undo.operation) ?? new Set<string>();
    types.add(entry.resourceType);
    byOperation.set(entry.undo.operation, types);
  }
  return [...byOperation].map(([operation, types]) => ({ operation, resourceTypes: [...types] }));
}
