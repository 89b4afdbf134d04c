import { projectNamed } from '../helpers/names';
/**
 * CloudTrail "AWS API Call via CloudTrail" events as EventBridge delivers them, with the request
 * shapes SageMaker logs (camelCase request parameters), for every covered create call.
 */
export const ACCOUNT = '111122223333';
export const ALPHA = { subnets: ['subnet-0a1', 'subnet-0a2', 'subnet-0a3'], securityGroup: 'sg-0alpha' };
export const BETA = { subnets: ['subnet-0b1', 'subnet-0b2', 'subnet-0b3'], securityGroup: 'sg-0beta' };

/** Wraps request parameters in the EventBridge envelope of a CloudTrail management event. */
export function cloudTrailEvent(eventName: string, requestParameters: unknown, extra: Record<string, unknown> = {}) {
  return {
    version: '0',
    id: '6f2c2c4b-7c0a-4c61-9a5a-0e1d2f3a4b5c',
    'detail-type': 'AWS API Call via CloudTrail',
    source: 'aws.sagemaker',
    account: ACCOUNT,
    time: '2026-11-20T10:15:30Z',
    region: 'eu-west-1',
    resources: [],
    detail: {
      eventVersion: '1.09',
      userIdentity: {
        type: 'AssumedRole',
        principalId: 'AROAEXAMPLEID:jane',
        arn: `arn:aws:sts::${ACCOUNT}:assumed-role/SomeAdminRole/jane`,
        accountId: ACCOUNT,
        sessionContext: {
          sessionIssuer: {
            type: 'Role',
            arn: `arn:aws:iam::${ACCOUNT}:role/SomeAdminRole`,
            accountId: ACCOUNT,
            userName: 'SomeAdminRole',
          },
          attributes: { creationDate: '2026-11-20T09:00:00Z', mfaAuthenticated: 'true' },
        },
      },
      eventTime: '2026-11-20T10:15:30Z',
      eventSource: 'sagemaker.amazonaws.com',
      eventName,
      awsRegion: 'eu-west-1',
      sourceIPAddress: '198.51.100.7',
      userAgent: 'aws-sdk-python/1.35 sagemaker/2.230',
      requestParameters,
      responseElements: {},
      requestID: '0c0f5d7e-1d6e-4b1a-9f0b-2c3d4e5f6a7b',
      eventID: '9a8b7c6d-5e4f-4a3b-2c1d-0e9f8a7b6c5d',
      readOnly: false,
      eventType: 'AwsApiCall',
      managementEvent: true,
      recipientAccountId: ACCOUNT,
      eventCategory: 'Management',
      ...extra,
    },
  };
}

const vpc = (net: { subnets: string[]; securityGroup: string } | undefined) =>
  net ? { vpcConfig: { subnets: net.subnets, securityGroupIds: [net.securityGroup] } } : {};

/** Request parameters of each covered call, in a given network (or none), and the expected undo call. */
export const SAMPLES: Record<
  string,
  {
    request: (net?: { subnets: string[]; securityGroup: string }) => Record<string, unknown>;
    command: string;
    input: Record<string, string>;
  }
> = {
  CreateTrainingJob: {
    request: (net) => ({
      trainingJobName: 'xgb-2026-11-20',
      algorithmSpecification: {
        trainingImage: '683313688378.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-xgboost:1.7-1',
        trainingInputMode: 'File',
      },
      roleArn: `arn:aws:iam::${ACCOUNT}:role/${projectNamed('alpha', 'dev', 'nb-jane')}`,
      outputDataConfig: {
        s3OutputPath: `s3://${projectNamed('alpha', 'dev', 'models-111122223333')}/xgb/`,
        kmsKeyId: 'arn:aws:kms:eu-west-1:111122223333:key/k',
      },
      resourceConfig: {
        instanceType: 'ml.m5.xlarge',
        instanceCount: 1,
        volumeSizeInGB: 30,
        volumeKmsKeyId: 'arn:aws:kms:eu-west-1:111122223333:key/k',
      },
      stoppingCondition: { maxRuntimeInSeconds: 3600 },
      ...vpc(net),
    }),
    command: 'StopTrainingJobCommand',
    input: { TrainingJobName: 'xgb-2026-11-20' },
  },
  CreateProcessingJob: {
    request: (net) => ({
      processingJobName: 'preprocess-1',
      processingResources: { clusterConfig: { instanceCount: 1, instanceType: 'ml.m5.large', volumeSizeInGB: 30 } },
      appSpecification: {
        imageUri: '141502667606.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3',
      },
      roleArn: `arn:aws:iam::${ACCOUNT}:role/${projectNamed('alpha', 'dev', 'nb-jane')}`,
      ...(net ? { networkConfig: { enableNetworkIsolation: false, ...vpc(net) } } : {}),
    }),
    command: 'StopProcessingJobCommand',
    input: { ProcessingJobName: 'preprocess-1' },
  },
  CreateHyperParameterTuningJob: {
    request: (net) => ({
      hyperParameterTuningJobName: 'tune-1',
      hyperParameterTuningJobConfig: {
        strategy: 'Bayesian',
        resourceLimits: { maxNumberOfTrainingJobs: 4, maxParallelTrainingJobs: 2 },
      },
      trainingJobDefinition: { roleArn: `arn:aws:iam::${ACCOUNT}:role/x`, staticHyperParameters: {}, ...vpc(net) },
    }),
    command: 'StopHyperParameterTuningJobCommand',
    input: { HyperParameterTuningJobName: 'tune-1' },
  },
  CreateModel: {
    request: (net) => ({
      modelName: 'credit-default-xgb',
      primaryContainer: {
        image: '683313688378.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-xgboost:1.7-1',
        modelDataUrl: 's3://b/model.tar.gz',
      },
      executionRoleArn: `arn:aws:iam::${ACCOUNT}:role/x`,
      ...vpc(net),
    }),
    command: 'DeleteModelCommand',
    input: { ModelName: 'credit-default-xgb' },
  },
  CreateNotebookInstance: {
    request: (net) => ({
      notebookInstanceName: 'rogue-notebook',
      instanceType: 'ml.t3.medium',
      roleArn: `arn:aws:iam::${ACCOUNT}:role/x`,
      ...(net ? { subnetId: net.subnets[0], securityGroupIds: [net.securityGroup] } : {}),
      directInternetAccess: 'Disabled',
      rootAccess: 'Disabled',
    }),
    command: 'StopNotebookInstanceCommand',
    input: { NotebookInstanceName: 'rogue-notebook' },
  },
  CreateCompilationJob: {
    request: (net) => ({
      compilationJobName: 'neo-1',
      roleArn: `arn:aws:iam::${ACCOUNT}:role/x`,
      inputConfig: { s3Uri: 's3://b/model.tar.gz', framework: 'XGBOOST' },
      outputConfig: { s3OutputLocation: 's3://b/out/', targetDevice: 'ml_m5' },
      stoppingCondition: { maxRuntimeInSeconds: 900 },
      ...vpc(net),
    }),
    command: 'StopCompilationJobCommand',
    input: { CompilationJobName: 'neo-1' },
  },
  CreateAutoMLJob: {
    request: (net) => ({
      autoMLJobName: 'automl-1',
      inputDataConfig: [
        {
          dataSource: { s3DataSource: { s3DataType: 'S3Prefix', s3Uri: 's3://b/in/' } },
          targetAttributeName: 'default',
        },
      ],
      outputDataConfig: { s3OutputPath: 's3://b/out/' },
      roleArn: `arn:aws:iam::${ACCOUNT}:role/x`,
      ...(net
        ? { autoMLJobConfig: { securityConfig: { enableInterContainerTrafficEncryption: true, ...vpc(net) } } }
        : {}),
    }),
    command: 'StopAutoMLJobCommand',
    input: { AutoMLJobName: 'automl-1' },
  },
  CreateAutoMLJobV2: {
    request: (net) => ({
      autoMLJobName: 'automl-2',
      autoMLProblemTypeConfig: { tabularJobConfig: { targetAttributeName: 'default' } },
      roleArn: `arn:aws:iam::${ACCOUNT}:role/x`,
      ...(net ? { securityConfig: vpc(net) } : {}),
    }),
    command: 'StopAutoMLJobCommand',
    input: { AutoMLJobName: 'automl-2' },
  },
  CreateDataQualityJobDefinition: {
    request: (net) => ({ jobDefinitionName: 'dq-1', roleArn: 'r', ...(net ? { networkConfig: vpc(net) } : {}) }),
    command: 'DeleteDataQualityJobDefinitionCommand',
    input: { JobDefinitionName: 'dq-1' },
  },
  CreateModelBiasJobDefinition: {
    request: (net) => ({ jobDefinitionName: 'bias-1', roleArn: 'r', ...(net ? { networkConfig: vpc(net) } : {}) }),
    command: 'DeleteModelBiasJobDefinitionCommand',
    input: { JobDefinitionName: 'bias-1' },
  },
  CreateModelExplainabilityJobDefinition: {
    request: (net) => ({ jobDefinitionName: 'explain-1', roleArn: 'r', ...(net ? { networkConfig: vpc(net) } : {}) }),
    command: 'DeleteModelExplainabilityJobDefinitionCommand',
    input: { JobDefinitionName: 'explain-1' },
  },
  CreateModelQualityJobDefinition: {
    request: (net) => ({ jobDefinitionName: 'quality-1', roleArn: 'r', ...(net ? { networkConfig: vpc(net) } : {}) }),
    command: 'DeleteModelQualityJobDefinitionCommand',
    input: { JobDefinitionName: 'quality-1' },
  },
  CreateMonitoringSchedule: {
    request: (net) => ({
      monitoringScheduleName: 'monitor-1',
      monitoringScheduleConfig: {
        scheduleConfig: { scheduleExpression: 'cron(0 * ? * * *)' },
        monitoringJobDefinition: {
          monitoringResources: { clusterConfig: { instanceCount: 1, instanceType: 'ml.m5.large', volumeSizeInGB: 20 } },
          roleArn: 'r',
          ...(net ? { networkConfig: vpc(net) } : {}),
        },
      },
    }),
    command: 'StopMonitoringScheduleCommand',
    input: { MonitoringScheduleName: 'monitor-1' },
  },
};

/**
 * Studio: each project environment that enables it publishes one VpcOnly domain in its subnets and a
 * second, Studio, security group; profiles get both project groups.
 */
export const ALPHA_STUDIO = { domainId: 'd-a1pha7studio', securityGroup: 'sg-0alphastudio' };
export const BETA_STUDIO = { domainId: 'd-be7a9studio', securityGroup: 'sg-0betastudio' };
/** A domain no project publishes (created by hand, or by someone outside the platform). */
export const STRAY_DOMAIN = 'd-s7raydomain0';

const role = (name: string) => `arn:aws:iam::${ACCOUNT}:role/${projectNamed('alpha', 'dev', name)}`;
const jupyterLab = { defaultResourceSpec: { instanceType: 'ml.t3.medium' } };

/**
 * Request parameters of the Studio calls as CloudTrail logs them: the API request with camelCase
 * names (CreateApp's `domainId`, `userProfileName`, `appType`, `appName`, `tags` as logged; the others
 * by the same rule from the SageMaker API reference).
 */
export const STUDIO = {
  createDomain: (overrides: Record<string, unknown> = {}) => ({
    domainName: projectNamed('alpha', 'dev', 'studio'),
    authMode: 'IAM',
    defaultUserSettings: {
      executionRole: role('studio-user'),
      securityGroups: [ALPHA.securityGroup, ALPHA_STUDIO.securityGroup],
      jupyterLabAppSettings: jupyterLab,
      studioWebPortal: 'ENABLED',
      defaultLandingUri: 'studio::',
    },
    defaultSpaceSettings: {
      executionRole: role('studio-user'),
      securityGroups: [ALPHA.securityGroup, ALPHA_STUDIO.securityGroup],
      jupyterLabAppSettings: jupyterLab,
    },
    subnetIds: ALPHA.subnets,
    vpcId: 'vpc-0a1pha',
    appNetworkAccessType: 'VpcOnly',
    kmsKeyId: `arn:aws:kms:eu-west-1:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`,
    tags: [{ key: 'project', value: 'alpha' }],
    ...overrides,
  }),
  updateDomain: (overrides: Record<string, unknown> = {}) => ({
    domainId: ALPHA_STUDIO.domainId,
    defaultUserSettings: { securityGroups: [ALPHA.securityGroup, ALPHA_STUDIO.securityGroup] },
    ...overrides,
  }),
  createUserProfile: (overrides: Record<string, unknown> = {}) => ({
    domainId: ALPHA_STUDIO.domainId,
    userProfileName: 'jane-doe',
    userSettings: {
      executionRole: role('studio-user'),
      securityGroups: [ALPHA.securityGroup, ALPHA_STUDIO.securityGroup],
      jupyterLabAppSettings: jupyterLab,
    },
    tags: [{ key: 'project', value: 'alpha' }],
    ...overrides,
  }),
  createSpace: (overrides: Record<string, unknown> = {}) => ({
    domainId: ALPHA_STUDIO.domainId,
    spaceName: 'jane-doe-lab',
    spaceDisplayName: 'Jane lab',
    ownershipSettings: { ownerUserProfileName: 'jane-doe' },
    spaceSharingSettings: { sharingType: 'Private' },
    spaceSettings: {
      appType: 'JupyterLab',
      jupyterLabAppSettings: jupyterLab,
      spaceStorageSettings: { ebsStorageSettings: { ebsVolumeSizeInGb: 5 } },
    },
    ...overrides,
  }),
  /** Studio (JupyterLab) starts an app in a space; the classic UI started JupyterServer apps per profile. */
  createApp: (overrides: Record<string, unknown> = {}) => ({
    domainId: ALPHA_STUDIO.domainId,
    spaceName: 'jane-doe-lab',
    appType: 'JupyterLab',
    appName: 'default',
    resourceSpec: {
      instanceType: 'ml.t3.medium',
      sageMakerImageArn: 'arn:aws:sagemaker:eu-west-1:470317259841:image/sagemaker-distribution-cpu',
    },
    tags: [],
    ...overrides,
  }),
};
