import { GetParametersByPathCommand, SSMClient } from '@aws-sdk/client-ssm';
import { Names, PROJECT_PARAMETERS } from '../../lib/config/names';

/** The network of one launched project environment, as it publishes it. */
export interface ProjectNetwork {
  readonly project: string;
  readonly envType: string;
  readonly subnets: ReadonlySet<string>;
  /** The SageMaker security group and, when Studio is enabled, the Studio one: both are the project's. */
  readonly securityGroups: ReadonlySet<string>;
  /** The project's Studio domain (d-...), when the environment enables Studio. */
  readonly studioDomainId?: string;
}

/** Key names under `/<prefix>/projects/<project>/<env>/`, from the one naming module, which also reads them apart. */
const SUBNETS_KEY = PROJECT_PARAMETERS.subnetIds;
const SECURITY_GROUP_KEY = PROJECT_PARAMETERS.securityGroupId;
const STUDIO_SECURITY_GROUP_KEY = PROJECT_PARAMETERS.studioSecurityGroupId;
const STUDIO_DOMAIN_KEY = PROJECT_PARAMETERS.studioDomainId;

interface Published {
  subnets?: string[];
  securityGroup?: string;
  studioSecurityGroup?: string;
  studioDomainId?: string;
}

/**
 * Reads every project network from the parameters project environments publish, so the control
 * knows them without a list typed by hand.
 */
export async function readProjectNetworks(ssm: Pick<SSMClient, 'send'>, names: Names): Promise<ProjectNetwork[]> {
  const byProject = new Map<string, Published>();
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
      const value = parameter.Value.trim();
      if (key === SUBNETS_KEY) entry.subnets = value.split(',').map((s) => s.trim());
      if (key === SECURITY_GROUP_KEY) entry.securityGroup = value;
      if (key === STUDIO_SECURITY_GROUP_KEY) entry.studioSecurityGroup = value;
      if (key === STUDIO_DOMAIN_KEY) entry.studioDomainId = value;
      byProject.set(`${project}/${envType}`, entry);
    }
    nextToken = page.NextToken;
  } while (nextToken);
  // An environment is launched once it publishes its subnets and SageMaker group; Studio is optional.
  return [...byProject.entries()]
    .filter(([, e]) => e.subnets && e.securityGroup)
    .map(([key, e]) => {
      const [project, envType] = key.split('/');
      return {
        project,
        envType,
        subnets: new Set(e.subnets),
        securityGroups: new Set([e.securityGroup!, ...(e.studioSecurityGroup ? [e.studioSecurityGroup] : [])]),
        ...(e.studioDomainId ? { studioDomainId: e.studioDomainId } : {}),
      };
    });
}
