/**
 * The budget stop of a project, shared by the project environment (which creates the budget, its
 * action and the stop policy) and the platform's budget guard Lambda (which halts running work and
 * lifts the stop). Pure data: imported by both lib/ and lambda/.
 */
import { NOTEBOOK_ROLE_PREFIX, STUDIO_ROLE_PREFIX } from './names';

/** Name suffixes of a project's budget, its stop policy and the role AWS Budgets applies it with. */
export const BUDGET_NAMES = { budget: 'budget', stopPolicy: 'budget-stop', actionRole: 'budget-action' } as const;

/** Launch parameter limits of the monthly budget, in USD: 0 means no budget, alerts or stop. */
export const MONTHLY_BUDGET = { default: 1000, max: 1_000_000 } as const;

/** What the stop does to a project's real-time endpoints: scale each variant to one instance, or delete them. */
export const ENDPOINTS_ON_STOP = ['ScaleDown', 'Delete'] as const;
export type EndpointsOnStop = (typeof ENDPOINTS_ON_STOP)[number];

/** Budget tag: what the stop does to endpoints (the guard reads the project's choice here). */
export const ENDPOINTS_ON_STOP_TAG = 'BudgetStopEndpoints';

/** Percent of the monthly budget at which the admin is told (actual spend), and the stop applies (actual spend). */
export const ALERT_PERCENT = 80;
export const STOP_PERCENT = 100;

/**
 * What the stop policy denies the project's people and its notebook launch role: everything that
 * starts, creates or grows billable work. Stopping, deleting, reading and terminating stay allowed,
 * so spend can only fall. Launches are refused at the catalog, before a half-created stack.
 */
export const BUDGET_STOP_ACTIONS = [
  'sagemaker:Create*Job',
  'sagemaker:Create*JobV2',
  'sagemaker:CreateNotebookInstance',
  'sagemaker:Start*',
  'sagemaker:RetryPipelineExecution',
  // A paused pipeline (callback step) goes on to its next steps when told so.
  'sagemaker:SendPipelineExecutionStepSuccess',
  'sagemaker:UpdatePipelineExecution',
  'sagemaker:CreateEndpoint',
  'sagemaker:CreateEndpointConfig',
  'sagemaker:UpdateEndpoint*',
  'sagemaker:CreateInferenceComponent',
  'sagemaker:UpdateInferenceComponent*',
  'sagemaker:CreateMonitoringSchedule',
  'sagemaker:UpdateMonitoringSchedule',
  'sagemaker:CreateDomain',
  'sagemaker:CreateSpace',
  'sagemaker:CreateApp',
  'sagemaker:CreateCluster',
  'sagemaker:UpdateNotebookInstance',
  'application-autoscaling:RegisterScalableTarget',
  'application-autoscaling:Put*',
  'servicecatalog:ProvisionProduct',
  'servicecatalog:UpdateProvisionedProduct',
] as const;

/** Budget action states the guard acts on (the Budgets API's ActionStatus values). */
export const ACTION_STATUS = {
  /** The stop policy is attached: keep the project's work halted, or lift the stop once spend is under the limit. */
  applied: 'EXECUTION_SUCCESS',
  /** The stop policy was detached (by the guard or by hand): re-arm once spend is under the limit. */
  reversed: 'REVERSE_SUCCESS',
  /** AWS Budgets could not apply the stop: the guard halts the work anyway (over the limit) and says so. */
  failed: 'EXECUTION_FAILURE',
  /** Lifting or re-arming failed: reported, for a person to look at. */
  stuck: ['REVERSE_FAILURE', 'RESET_FAILURE'],
} as const;

/**
 * Roles the budget action cannot name when it is created: execution roles come and go with notebook
 * (`nb-<owner>`) and Studio user (`st-<owner>`) launches. The guard attaches the stop to those of a
 * stopped project (and detaches it when the stop is lifted): their names start with one of these after
 * the project's name prefix.
 */
export const EXECUTION_ROLE_SUFFIXES = [NOTEBOOK_ROLE_PREFIX, STUDIO_ROLE_PREFIX] as const;

/**
 * The running work the budget guard halts in a stopped project, one entry per kind: the resource's
 * IAM ARN type, the call that lists the running ones, and the call that stops one. The guard's
 * code and its role's IAM actions and resources are derived from this table.
 */
export const HALTED_WORKLOADS = {
  notebook: { resourceType: 'notebook-instance', list: 'ListNotebookInstances', stop: 'StopNotebookInstance' },
  training: { resourceType: 'training-job', list: 'ListTrainingJobs', stop: 'StopTrainingJob' },
  processing: { resourceType: 'processing-job', list: 'ListProcessingJobs', stop: 'StopProcessingJob' },
  transform: { resourceType: 'transform-job', list: 'ListTransformJobs', stop: 'StopTransformJob' },
  tuning: {
    resourceType: 'hyper-parameter-tuning-job',
    list: 'ListHyperParameterTuningJobs',
    stop: 'StopHyperParameterTuningJob',
  },
  automl: { resourceType: 'automl-job', list: 'ListAutoMLJobs', stop: 'StopAutoMLJob' },
  compilation: { resourceType: 'compilation-job', list: 'ListCompilationJobs', stop: 'StopCompilationJob' },
  // Schedules start new processing jobs every hour: stopped, not deleted.
  schedule: { resourceType: 'monitoring-schedule', list: 'ListMonitoringSchedules', stop: 'StopMonitoringSchedule' },
} as const;

/**
 * Pipeline executions keep starting steps: stopped too. Executions carry no tags of their own; project
 * pipelines are named with the project's prefix, so the guard finds them by name.
 */
export const PIPELINE_CALLS = {
  resourceType: 'pipeline',
  listPipelines: 'ListPipelines',
  listExecutions: 'ListPipelineExecutions',
  stop: 'StopPipelineExecution',
} as const;
export type WorkloadKind = keyof typeof HALTED_WORKLOADS;

/** Endpoints are scaled down (one instance per variant) or deleted, per the project's choice. */
export const ENDPOINT_CALLS = {
  resourceType: 'endpoint',
  list: 'ListEndpoints',
  describe: 'DescribeEndpoint',
  ScaleDown: 'UpdateEndpointWeightsAndCapacities',
  Delete: 'DeleteEndpoint',
} as const;
