import { Aws } from 'aws-cdk-lib';
import { Names } from '../../config/names';

/** Who a construct inside a project environment belongs to: names resolve at launch time. */
export interface ProjectContext {
  readonly names: Names;
  /** The ProjectName launch parameter (a token). */
  readonly projectName: string;
  /** The EnvType launch parameter (a token). */
  readonly envType: string;
}

/** `<prefix>-proj-<project>-<env>-<suffix>`: the name of one of this project's resources. */
export function projectResourceName(ctx: ProjectContext, suffix: string): string {
  return ctx.names.projectResource(ctx.projectName, ctx.envType, suffix);
}

/** The SSM parameter `/<prefix>/projects/<project>/<env>/<key>`. */
export function projectParameterName(ctx: ProjectContext, key: string): string {
  return ctx.names.projectParameter(ctx.projectName, ctx.envType, key);
}

/** Buckets a project owns (data and models), named `<prefix>-proj-<project>-<env>-<suffix>-<account>`. */
export const PROJECT_BUCKETS = ['data', 'models'] as const;

/** Name of one of the project's buckets; deterministic, so network, roles and notebooks agree without references. */
export function projectBucketName(ctx: ProjectContext, suffix: string): string {
  return `${projectResourceName(ctx, suffix)}-${Aws.ACCOUNT_ID}`;
}
