import { Validations } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { Names, NOTEBOOK_ROLE_PREFIX, STUDIO_ROLE_PREFIX } from '../../config/names';

/** How cdk-nag renders a per-project name: the launch parameters as `<ProjectName>` and `<EnvType>`. */
const NAG_PROJECT = '<ProjectName>';
const NAG_ENV = '<EnvType>';
function rendered(names: Names, suffix: string): string {
  return names.projectResource(NAG_PROJECT, NAG_ENV, suffix);
}

/** Wildcard findings of the data science statements, with why each is as narrow as IAM allows. */
export function dataScienceWildcardReasons(names: Names, bucketObjects: string[]): Record<string, string> {
  const account = 'arn:<AWS::Partition>';
  return {
    'Resource::*':
      'Actions without resource types (SageMaker List/Search, catalog search, metric reads), SageMaker Describe scoped by the project tags, and denies that must hold everywhere.',
    [`Resource::${account}:sagemaker:<AWS::Region>:<AWS::AccountId>:*`]:
      'SageMaker resource names are chosen at create time; creates are bound to the project subnets, security group and ProjectName request tag, operations to the project tags.',
    [`Resource::${account}:sagemaker:<AWS::Region>:<AWS::AccountId>:endpoint-config/*`]:
      'Endpoint configuration names are chosen at create time; creation requires the project key and tag, and serves only models named for this project.',
    [`Resource::${account}:sagemaker:<AWS::Region>:<AWS::AccountId>:endpoint/*`]:
      'Endpoint names are chosen at create time; creation requires the project tags, and the endpoint configuration must carry them too.',
    [`Resource::${account}:iam::<AWS::AccountId>:role/${rendered(names, `${NOTEBOOK_ROLE_PREFIX}*`)}`]:
      "PassRole of this project's notebook execution roles, to SageMaker only (iam:PassedToService), and only those tagged with this project and environment.",
    [`Resource::${account}:ssm:<AWS::Region>:<AWS::AccountId>:parameter${names.projectParameter(NAG_PROJECT, NAG_ENV, '*')}`]:
      'Read-only on the parameters this project publishes under its own path /<prefix>/projects/<project>/<env>/.',
    [`Resource::${account}:logs:<AWS::Region>:<AWS::AccountId>:log-group:/aws/sagemaker/*`]:
      'SageMaker names its log groups /aws/sagemaker/<kind> and streams per job at run time.',
    [`Resource::${account}:sagemaker:<AWS::Region>:<AWS::AccountId>:transform-job/*`]:
      'Transform job names are chosen at create time; creation requires the project tags, project keys, and a model named for this project.',
    [`Resource::${account}:sagemaker:<AWS::Region>:<AWS::AccountId>:monitoring-schedule/*`]:
      'Schedule names are chosen at create time; creation requires the project tags, and a schedule without its own VPC may only name a job definition (which was created in the project network).',
    ...Object.fromEntries(
      ['model-package-group', 'model-package', 'pipeline'].map((type) => [
        `Resource::${account}:sagemaker:<AWS::Region>:<AWS::AccountId>:${type}/${rendered(names, '*')}`,
        `Registry groups, their versions, pipelines and their executions named with this project's prefix (versions and executions take no tags of their own).`,
      ]),
    ),
    [`Resource::${account}:application-autoscaling:<AWS::Region>:<AWS::AccountId>:scalable-target/*`]:
      'Scalable targets get generated ids; only SageMaker targets tagged with this project and environment.',
    'Action::application-autoscaling:Describe*':
      'Read-only scaling settings and activity, which have no resource scope.',
    'Action::sagemaker:Describe*':
      "Read-only SageMaker metadata of this project's resources (project tags), needed by the SDK and the console.",
    'Action::sagemaker:List*': 'Read-only SageMaker listings, needed by the SDK and the console.',
    ...Object.fromEntries(
      ['Get*', 'BatchGet*', 'UpdatePullRequest*', 'MergePullRequest*'].map((action) => [
        `Action::codecommit:${action}`,
        'Git and pull-request work on the project repository only (the statement names that one repository); a wildcard keeps the policy within IAM size quotas.',
      ]),
    ),
    ...Object.fromEntries(
      bucketObjects.map((finding) => [
        finding,
        'Objects of this project bucket only; object keys are the data scientists own, and the bucket policy adds the network restriction.',
      ]),
    ),
  };
}

/** Acknowledges AwsSolutions-IAM5 findings on one policy, each with its own reason. */
export function acknowledgeWildcards(policy: IConstruct, reasons: Record<string, string>): void {
  Validations.of(policy).acknowledge(
    ...Object.entries(reasons).map(([finding, reason]) => ({ id: `AwsSolutions-IAM5[${finding}]`, reason })),
  );
}

/** Findings on the notebook launch role and execution role specific to notebooks. */
export function notebookWildcardReasons(names: Names): Record<string, string> {
  const account = 'arn:<AWS::Partition>';
  return {
    [`Resource::${account}:iam::<AWS::AccountId>:role/${rendered(names, `${NOTEBOOK_ROLE_PREFIX}*`)}`]:
      "Execution roles of this project's notebooks, named after their owners at launch; created only with the project boundary.",
    [`Resource::${account}:sagemaker:<AWS::Region>:<AWS::AccountId>:notebook-instance/${rendered(names, '*')}`]:
      'Notebook instances of this project, named after their owners at launch.',
    [`Resource::${account}:sagemaker:<AWS::Region>:<AWS::AccountId>:notebook-instance-lifecycle-config/${rendered(names, '*')}`]:
      "This project's lifecycle configuration, read when a notebook is created.",
    [`Resource::${account}:ssm:<AWS::Region>:<AWS::AccountId>:parameter${names.projectParameter(NAG_PROJECT, NAG_ENV, '*')}`]:
      'Read-only on the parameters this project publishes (resolved at notebook launch).',
  };
}

/** Reasons for the wildcards of Studio policies (user profiles of the project's domain, its lifecycle configuration). */
export function studioWildcardReasons(names: Names, domainToken?: string): Record<string, string> {
  const sagemaker = 'arn:<AWS::Partition>:sagemaker:<AWS::Region>:<AWS::AccountId>';
  return {
    [`Resource::arn:<AWS::Partition>:iam::<AWS::AccountId>:role/${rendered(names, `${STUDIO_ROLE_PREFIX}*`)}`]:
      "Execution roles of this project's Studio profiles, named after their owners at launch; created only with the project boundary.",
    // Policies of the project environment name its domain (its logical id in the finding); products read it at launch.
    ...(domainToken
      ? {
          [`Resource::${sagemaker}:user-profile/<${domainToken}.DomainId>/*`]:
            "User profiles of this project's own domain, named after their owners at launch; opening one also needs the owner tag to be the caller's own session.",
        }
      : {}),
    [`Resource::${sagemaker}:studio-lifecycle-config/${rendered(names, '*')}`]:
      "Read-only on this project's Studio lifecycle configuration, which every profile runs.",
    ...Object.fromEntries(
      ['space/*', 'app/*'].map((resource) => [
        `Resource::${sagemaker}:${resource}`,
        "Spaces and apps are named in Studio at run time; the statement holds only for the profile's own private ones (sagemaker:OwnerUserProfileArn names this profile in this project's domain).",
      ]),
    ),
  };
}
