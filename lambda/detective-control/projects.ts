import { GetParametersByPathCommand, SSMClient } from '@aws-sdk/client-ssm';
import { Names, PROJECT_PARAMETERS } from '../../lib/config/names';

/** The network of one launched project environment, as it publishes it. */
export interface ProjectNetwork {
  readonly project: string;
  readonly envType: string;
  readonly subnets: ReadonlySet<string>;
  readonly securityGroups: ReadonlySet<string>;
}

/** Key names under `/<prefix>/projects/<project>/<env>/`, from the one naming module, which also reads them apart. */
const SUBNETS_KEY = PROJECT_PARAMETERS.subnetIds;
const SECURITY_GROUP_KEY = PROJECT_PARAMETERS.securityGroupId;

/**
 * Reads every project network from the parameters project environments publish, so the control
 * knows them without a list typed by hand.
 */
export async function readProjectNetworks(ssm: Pick<SSMClient, 'send'>, names: Names): Promise<ProjectNetwork[]> {
  const byProject = new Map<string, { subnets?: string[]; securityGroups?: string[] }>();
  let nextToken: string | undefined;
  do {
    const page = await ssm.send(
      new GetParametersByPathCommand({ Path: names.projectsRoot, Recursive: true, NextToken: nextToken }),
    );
    for (const parameter of page.Parameters ?? []) {
      const parsed = names.parseProjectParameter(parameter.Name ?? '');
      if (!parsed || !parameter.Value) continue;
      const { projectName: project, envType, key } = parsed;
      const entry = byProject.get(`${project}/${envType}`) ?? {};
      if (key === SUBNETS_KEY) entry.subnets = parameter.Value.split(',').map((s) => s.trim());
      if (key === SECURITY_GROUP_KEY) entry.securityGroups = [parameter.Value.trim()];
      byProject.set(`${project}/${envType}`, entry);
    }
    nextToken = page.NextToken;
  } while (nextToken);
  return [...byProject.entries()]
    .filter(([, e]) => e.subnets && e.securityGroups)
    .map(([key, e]) => {
      const [project, envType] = key.split('/');
      return { project, envType, subnets: new Set(e.subnets), securityGroups: new Set(e.securityGroups) };
    });
}
