import { GetParametersByPathCommand } from '@aws-sdk/client-ssm';
import { readProjectNetworks } from '../../lambda/detective-control/projects';
import { ALPHA, ALPHA_STUDIO, BETA } from './cloudtrail-events';
import { TEST_NAMES } from '../helpers/names';

describe('project networks read from SSM: the Studio group is a project group, the domain id names the project', () => {
  const parameter = (project: string, key: string, value: string) => ({
    Name: `${TEST_NAMES.projectsRoot}${project}/dev/${key}`,
    Value: value,
  });
  const ssm = {
    send: async (command: GetParametersByPathCommand) => ({
      Parameters: [
        parameter('alpha', 'studio-security-group-id', ALPHA_STUDIO.securityGroup),
        parameter('alpha', 'subnet-ids', ALPHA.subnets.join(',')),
        parameter('alpha', 'sagemaker-security-group-id', ALPHA.securityGroup),
        parameter('alpha', 'studio-domain-id', ALPHA_STUDIO.domainId),
        parameter('beta', 'subnet-ids', BETA.subnets.join(',')),
        parameter('beta', 'sagemaker-security-group-id', BETA.securityGroup),
        // Half-launched: a Studio group but no SageMaker group is no project network yet.
        parameter('gamma', 'subnet-ids', 'subnet-0c1'),
        parameter('gamma', 'studio-security-group-id', 'sg-0gammastudio'),
      ].filter(() => command.input.Path === TEST_NAMES.projectsRoot),
    }),
  };

  test('reads both groups and the domain of a Studio project, and none for a project without Studio', async () => {
    const networks = await readProjectNetworks(ssm as never, TEST_NAMES);
    expect(networks).toEqual([
      {
        project: 'alpha',
        envType: 'dev',
        subnets: new Set(ALPHA.subnets),
        securityGroups: new Set([ALPHA.securityGroup, ALPHA_STUDIO.securityGroup]),
        studioDomainId: ALPHA_STUDIO.domainId,
      },
      {
        project: 'beta',
        envType: 'dev',
        subnets: new Set(BETA.subnets),
        securityGroups: new Set([BETA.securityGroup]),
      },
    ]);
  });
});
