import {
  DeleteAppCommand,
  DeleteDomainCommand,
  DeleteSpaceCommand,
  DescribeDomainCommand,
  ListAppsCommand,
  ListSpacesCommand,
  ListTagsCommand,
  SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import { DeleteMountTargetCommand, DescribeMountTargetsCommand, EFSClient } from '@aws-sdk/client-efs';
import {
  DeleteSecurityGroupCommand,
  DescribeSecurityGroupsCommand,
  EC2Client,
  RevokeSecurityGroupEgressCommand,
  RevokeSecurityGroupIngressCommand,
} from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { CleanupError, Clients, handle, nfsGroupNames } from '../../lambda/studio-cleanup/cleanup';
import { responseBody } from '../../lambda/studio-cleanup/index';
import { TAG_KEYS } from '../../lib/config/names';
import { TEST_NAMES } from '../helpers/names';

const DOMAIN = 'd-0abc1def2ghi';
const DOMAIN_ARN = `arn:aws:sagemaker:eu-west-1:111122223333:domain/${DOMAIN}`;
const notFound = () => Object.assign(new Error(`Domain ${DOMAIN} does not exist`), { name: 'ResourceNotFound' });

function setUp(options: { ownDomain?: boolean } = {}) {
  const sagemaker = mockClient(SageMakerClient);
  const efs = mockClient(EFSClient);
  const ec2 = mockClient(EC2Client);
  sagemaker.on(ListTagsCommand).resolves({
    Tags: [{ Key: TAG_KEYS.system, Value: options.ownDomain === false ? 'someone-else' : TEST_NAMES.prefix }],
  });
  const lines: Record<string, unknown>[] = [];
  let clock = 0;
  const clients: Clients = {
    sagemaker: sagemaker as unknown as SageMakerClient,
    efs: efs as unknown as EFSClient,
    ec2: ec2 as unknown as EC2Client,
    prefix: TEST_NAMES.prefix,
    sleep: async (ms) => {
      clock += ms;
    },
    deadline: 600_000,
    now: () => clock,
    log: (line) => lines.push(line),
  };
  return { sagemaker, efs, ec2, clients, lines };
}

describe('Studio cleanup: a user profile about to be deleted', () => {
  test("deletes the apps of the profile's own spaces, then those spaces, and nobody else's", async () => {
    const { sagemaker, clients } = setUp();
    sagemaker.on(DescribeDomainCommand).resolves({ DomainArn: DOMAIN_ARN, DomainId: DOMAIN });
    const spaces = [
      { SpaceName: 'jane-space', OwnershipSettingsSummary: { OwnerUserProfileName: 'jane' } },
      { SpaceName: 'joe-space', OwnershipSettingsSummary: { OwnerUserProfileName: 'joe' } },
    ];
    const apps = [
      { SpaceName: 'jane-space', AppType: 'JupyterLab' as const, AppName: 'default', Status: 'InService' as const },
      { SpaceName: 'joe-space', AppType: 'JupyterLab' as const, AppName: 'default', Status: 'InService' as const },
    ];
    // Listed once before the deletes, then as SageMaker shows them afterwards.
    sagemaker
      .on(ListSpacesCommand)
      .resolvesOnce({ Spaces: spaces })
      .resolves({ Spaces: [spaces[1]] });
    sagemaker
      .on(ListAppsCommand)
      .resolvesOnce({ Apps: apps })
      .resolves({ Apps: [{ ...apps[0], Status: 'Deleted' }, apps[1]] });

    const deleted = await handle(clients, 'Delete', { Kind: 'UserProfile', DomainId: DOMAIN, UserProfileName: 'jane' });

    expect(deleted).toEqual(['app jane-space/JupyterLab/default', 'space jane-space']);
    expect(sagemaker.commandCalls(DeleteAppCommand).map((c) => c.args[0].input)).toEqual([
      { DomainId: DOMAIN, AppType: 'JupyterLab', AppName: 'default', SpaceName: 'jane-space' },
    ]);
    expect(sagemaker.commandCalls(DeleteSpaceCommand).map((c) => c.args[0].input)).toEqual([
      { DomainId: DOMAIN, SpaceName: 'jane-space' },
    ]);
  });

  test('refuses a domain that is not this platform’s, and touches nothing in it', async () => {
    const { sagemaker, clients } = setUp({ ownDomain: false });
    sagemaker.on(DescribeDomainCommand).resolves({ DomainArn: DOMAIN_ARN, DomainId: DOMAIN });
    await expect(
      handle(clients, 'Delete', { Kind: 'UserProfile', DomainId: DOMAIN, UserProfileName: 'jane' }),
    ).rejects.toThrow(/not a domain of this platform/);
    expect(sagemaker.commandCalls(DeleteAppCommand)).toHaveLength(0);
    expect(sagemaker.commandCalls(DeleteSpaceCommand)).toHaveLength(0);
  });

  test('gives up with a message that says to retry when apps do not go away in time', async () => {
    const { sagemaker, clients } = setUp();
    sagemaker.on(DescribeDomainCommand).resolves({ DomainArn: DOMAIN_ARN, DomainId: DOMAIN });
    sagemaker.on(ListSpacesCommand).resolves({
      Spaces: [{ SpaceName: 'jane-space', OwnershipSettingsSummary: { OwnerUserProfileName: 'jane' } }],
    });
    sagemaker.on(ListAppsCommand).resolves({
      Apps: [{ SpaceName: 'jane-space', AppType: 'JupyterLab', AppName: 'default', Status: 'Deleting' }],
    });
    await expect(
      handle(clients, 'Delete', { Kind: 'UserProfile', DomainId: DOMAIN, UserProfileName: 'jane' }),
    ).rejects.toThrow(/Timed out waiting for the apps of jane.*retry the termination/);
  });

  test('does nothing on create and update', async () => {
    const { sagemaker, clients } = setUp();
    for (const type of ['Create', 'Update']) {
      await expect(
        handle(clients, type, { Kind: 'UserProfile', DomainId: DOMAIN, UserProfileName: 'jane' }),
      ).resolves.toEqual([]);
    }
    expect(sagemaker.calls()).toHaveLength(0);
  });
});

describe('Studio cleanup: the project domain', () => {
  const request = { Kind: 'Domain' as const, DomainId: DOMAIN, HomeEfsFileSystemId: 'fs-0123', VpcId: 'vpc-0a1' };

  test('deletes the domain keeping its home volume, then its mount targets and NFS groups (rules first)', async () => {
    const { sagemaker, efs, ec2, clients } = setUp();
    sagemaker.on(DescribeDomainCommand).resolvesOnce({ DomainArn: DOMAIN_ARN, DomainId: DOMAIN }).rejects(notFound());
    efs
      .on(DescribeMountTargetsCommand)
      .resolvesOnce({
        MountTargets: [
          { MountTargetId: 'fsmt-1', FileSystemId: 'fs-0123', SubnetId: 's', LifeCycleState: 'available' },
        ],
      })
      .resolves({ MountTargets: [] });
    const groups = nfsGroupNames(DOMAIN).map((GroupName, i) => ({
      GroupName,
      GroupId: `sg-${i}`,
      IpPermissions: i === 0 ? [{ IpProtocol: 'tcp', FromPort: 2049, ToPort: 2049 }] : [],
      IpPermissionsEgress: i === 1 ? [{ IpProtocol: 'tcp', FromPort: 2049, ToPort: 2049 }] : [],
    }));
    ec2.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: groups });

    const deleted = await handle(clients, 'Delete', request);

    expect(sagemaker.commandCalls(DeleteDomainCommand)[0].args[0].input).toEqual({
      DomainId: DOMAIN,
      RetentionPolicy: { HomeEfsFileSystem: 'Retain' },
    });
    expect(efs.commandCalls(DeleteMountTargetCommand).map((c) => c.args[0].input)).toEqual([
      { MountTargetId: 'fsmt-1' },
    ]);
    // The groups are found in the project VPC only, by the names SageMaker gives them.
    expect(ec2.commandCalls(DescribeSecurityGroupsCommand)[0].args[0].input.Filters).toEqual([
      { Name: 'vpc-id', Values: ['vpc-0a1'] },
      { Name: 'group-name', Values: nfsGroupNames(DOMAIN) },
    ]);
    expect(ec2.commandCalls(RevokeSecurityGroupIngressCommand)).toHaveLength(1);
    expect(ec2.commandCalls(RevokeSecurityGroupEgressCommand)).toHaveLength(1);
    expect(ec2.commandCalls(DeleteSecurityGroupCommand).map((c) => c.args[0].input.GroupId)).toEqual(['sg-0', 'sg-1']);
    expect(deleted[0]).toMatch(/home file system fs-0123 retained/);
    // Nothing deletes the home volume itself.
    expect(efs.calls().map((c) => c.args[0].constructor.name)).not.toContain('DeleteFileSystemCommand');
  });

  test('says which launches to terminate first when SageMaker refuses the domain (profiles remain)', async () => {
    const { sagemaker, clients } = setUp();
    sagemaker.on(DescribeDomainCommand).resolves({ DomainArn: DOMAIN_ARN, DomainId: DOMAIN });
    sagemaker
      .on(DeleteDomainCommand)
      .rejects(Object.assign(new Error('Domain has user profiles'), { name: 'ResourceInUse' }));
    const failure = handle(clients, 'Delete', request);
    await expect(failure).rejects.toBeInstanceOf(CleanupError);
    await expect(handle(clients, 'Delete', request)).rejects.toThrow(/Terminate the project's SageMaker Studio user/);
  });

  test('a retry while SageMaker is still deleting the domain waits for it instead of deleting it again', async () => {
    const { sagemaker, efs, ec2, clients } = setUp();
    sagemaker
      .on(DescribeDomainCommand)
      .resolvesOnce({ DomainArn: DOMAIN_ARN, DomainId: DOMAIN, Status: 'Deleting' })
      .rejects(notFound());
    efs.on(DescribeMountTargetsCommand).resolves({ MountTargets: [] });
    ec2.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: [] });
    await expect(handle(clients, 'Delete', request)).resolves.toEqual([]);
    expect(sagemaker.commandCalls(DeleteDomainCommand)).toHaveLength(0);
  });

  test('a domain already gone: only its leftovers are removed', async () => {
    const { sagemaker, efs, ec2, clients } = setUp();
    sagemaker.on(DescribeDomainCommand).rejects(notFound());
    efs.on(DescribeMountTargetsCommand).rejects(Object.assign(new Error('gone'), { name: 'FileSystemNotFound' }));
    ec2.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: [] });
    await expect(handle(clients, 'Delete', request)).resolves.toEqual([]);
    expect(sagemaker.commandCalls(DeleteDomainCommand)).toHaveLength(0);
  });
});

describe('Studio cleanup: the answer to CloudFormation', () => {
  test('carries the status, a reason CloudFormation can show, and a stable physical id', () => {
    const event = {
      RequestType: 'Delete' as const,
      ResponseURL: 'https://example.com',
      StackId: 'arn:aws:cloudformation:eu-west-1:111122223333:stack/s/1',
      RequestId: 'r-1',
      LogicalResourceId: 'Cleanup',
      ResourceProperties: {
        ServiceToken: 'arn',
        Kind: 'UserProfile' as const,
        DomainId: DOMAIN,
        UserProfileName: 'jane',
      },
    };
    const body = JSON.parse(responseBody(event, 'FAILED', 'x'.repeat(5000))) as Record<string, string>;
    expect(body).toMatchObject({ Status: 'FAILED', RequestId: 'r-1', LogicalResourceId: 'Cleanup' });
    expect(body.Reason).toHaveLength(1000);
    expect(body.PhysicalResourceId).toBe(`UserProfile-cleanup-${DOMAIN}`);
    expect(JSON.parse(responseBody({ ...event, PhysicalResourceId: 'kept' }, 'SUCCESS', 'ok')).PhysicalResourceId).toBe(
      'kept',
    );
  });
});
