import { Aws, Fn } from 'aws-cdk-lib';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { Names } from '../../config/names';

/** Who a construct inside a project environment belongs to: names resolve at launch time. */
export interface ProjectContext {
  readonly names: Names;
  /** The ProjectName launch parameter (a token). */
  readonly projectName: string;
  /** The EnvType launch parameter (a token). */
  readonly envType: string;
  /**
   * Unique per launch of the project environment (a token); only the environment product knows
   * it, others read it from SSM. @default - none: names that need it cannot be formed
   */
  readonly launchId?: string;
}

/** `<prefix>-proj-<project>-<env>-<suffix>`: the name of one of this project's resources. */
export function projectResourceName(ctx: ProjectContext, suffix: string): string {
  return ctx.names.projectResource(ctx.projectName, ctx.envType, suffix);
}

/** The SSM parameter `/<prefix>/projects/<project>/<env>/<key>`. */
export function projectParameterName(ctx: ProjectContext, key: string): string {
  return ctx.names.projectParameter(ctx.projectName, ctx.envType, key);
}

/** Buckets a project owns (data and models). */
export const PROJECT_BUCKETS = ['data', 'models'] as const;

/**
 * Name of something a termination retains (buckets, repository, log groups):
 * `<prefix>-proj-<project>-<env>-<suffix>-<launch id>`, so a relaunch never collides with it.
 */
export function projectRetainedName(ctx: ProjectContext, suffix: string): string {
  if (!ctx.launchId) throw new Error(`No launch id: ${suffix} is named only by the project environment itself`);
  return ctx.names.projectRetainedResource(ctx.projectName, ctx.envType, suffix, ctx.launchId);
}

/** Launch ids are the first group of a UUID: 8 hex digits. */
export const LAUNCH_ID_LENGTH = 8;

/**
 * IAM pattern of a retained name of this project whatever its launch: exactly eight `?` for the
 * launch id, so it cannot match another launch's suffix.
 */
export function projectRetainedNamePattern(ctx: ProjectContext, suffix: string): string {
  return ctx.names.projectRetainedResource(ctx.projectName, ctx.envType, suffix, '?'.repeat(LAUNCH_ID_LENGTH));
}

/** A retained log group of the project: `/<prefix>/projects/<project>/<env>/<kind>/<launch id>`. */
export function projectLogGroupName(ctx: ProjectContext, kind: string): string {
  if (!ctx.launchId) throw new Error(`No launch id: log group ${kind} is named only by the project environment itself`);
  return `${projectParameterName(ctx, kind)}/${ctx.launchId}`;
}

/** Name of one of the project's buckets: retained, so launch-unique; deterministic, so network and roles agree. */
export function projectBucketName(ctx: ProjectContext, suffix: string): string {
  return projectRetainedName(ctx, suffix);
}

/** The first 8 hex digits of the stack id's UUID: unique per launch, known before any resource is created. */
export function launchIdOfThisStack(): string {
  return Fn.select(0, Fn.split('-', Fn.select(2, Fn.split('/', Aws.STACK_ID))));
}

/** Publishes `value` as the project parameter `key` (what products, tools and the detective control read). */
export function publishProjectSetting(
  scope: Construct,
  project: ProjectContext,
  key: string,
  value: string,
  description: string,
): ssm.StringParameter {
  return new ssm.StringParameter(scope, `Parameter-${key}`, {
    parameterName: projectParameterName(project, key),
    // The name holds launch parameters, so CDK cannot tell whether it starts with a slash: it does.
    simpleName: false,
    stringValue: value,
    description,
  });
}
