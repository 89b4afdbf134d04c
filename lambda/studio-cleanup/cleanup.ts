/**
 * What CloudFormation cannot do when a Studio domain or user profile goes away:
 * - a profile cannot be deleted while it owns spaces or apps, so its apps and then its spaces are deleted first;
 * - a domain leaves its home file system's mount targets and the two NFS security groups SageMaker created in
 *   the project subnets, which stop the subnets and the VPC from being deleted. The domain is deleted here with
 *   its home file system retained (users' home directories are never lost), then the mount targets and the
 *   groups are removed. The file system stays, encrypted with the project key, until someone deletes it.
 * Acts only on domains tagged as this deployment's (`DataScienceSystem` = prefix).
 */
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
import { TAG_KEYS } from '../../lib/config/names';

/** Resource properties of the two custom resources. */
export type CleanupRequest =
  | { readonly Kind: 'Domain'; readonly DomainId: string; readonly HomeEfsFileSystemId: string; readonly VpcId: string }
  | { readonly Kind: 'UserProfile'; readonly DomainId: string; readonly UserProfileName: string };

export interface Clients {
  readonly sagemaker: Pick<SageMakerClient, 'send'>;
  readonly efs: Pick<EFSClient, 'send'>;
  readonly ec2: Pick<EC2Client, 'send'>;
  /** The deployment prefix: only domains tagged with it are touched. */
  readonly prefix: string;
  /** Waits between polls (tests pass a no-op). */
  readonly sleep: (ms: number) => Promise<void>;
  /** When to give up, in epoch milliseconds (before Lambda's own timeout). */
  readonly deadline: number;
  readonly now: () => number;
  readonly log: (line: Record<string, unknown>) => void;
}

/** A refusal or a wait that ran out: CloudFormation shows the message and the stack stays as it was. */
export class CleanupError extends Error {}

const POLL_MS = 10_000;

/** The names SageMaker gives the NFS groups of a domain. */
export const nfsGroupNames = (domainId: string): string[] => [
  `security-group-for-inbound-nfs-${domainId}`,
  `security-group-for-outbound-nfs-${domainId}`,
];

const notFound = (error: unknown) =>
  error instanceof Error && (error.name === 'ResourceNotFound' || /does not exist|not found/i.test(error.message));

/** Runs `done` until it is true, or fails with `what` at the deadline. */
async function waitFor(c: Clients, what: string, done: () => Promise<boolean>): Promise<void> {
  while (!(await done())) {
    if (c.now() + POLL_MS > c.deadline) {
      throw new CleanupError(`Timed out waiting for ${what}: retry the termination in a few minutes.`);
    }
    await c.sleep(POLL_MS);
  }
}

/** Refuses any domain that is not this deployment's. */
async function checkOwnDomain(c: Clients, domainArn: string): Promise<void> {
  const tags = await c.sagemaker.send(new ListTagsCommand({ ResourceArn: domainArn }));
  const system = tags.Tags?.find((t) => t.Key === TAG_KEYS.system)?.Value;
  if (system !== c.prefix) {
    throw new CleanupError(`${domainArn} is not a domain of this platform (${TAG_KEYS.system}=${system ?? 'none'})`);
  }
}

/** Deletes the apps and then the spaces a profile owns, so CloudFormation can delete the profile. */
export async function cleanUpUserProfile(c: Clients, domainId: string, profile: string): Promise<string[]> {
  const described = await describeDomain(c, domainId);
  if (!described) return [];
  await checkOwnDomain(c, described.DomainArn!);
  const spaces: string[] = [];
  for (let token: string | undefined; ;) {
    const page = await c.sagemaker.send(new ListSpacesCommand({ DomainIdEquals: domainId, NextToken: token }));
    for (const s of page.Spaces ?? []) {
      if (s.OwnershipSettingsSummary?.OwnerUserProfileName === profile && s.SpaceName) spaces.push(s.SpaceName);
    }
    token = page.NextToken;
    if (!token) break;
  }
  const ownApps = async () => {
    const apps: { AppType: string; AppName: string; SpaceName?: string; UserProfileName?: string; Status?: string }[] =
      [];
    for (let token: string | undefined; ;) {
      const page = await c.sagemaker.send(new ListAppsCommand({ DomainIdEquals: domainId, NextToken: token }));
      for (const a of page.Apps ?? []) {
        const mine = a.UserProfileName === profile || (a.SpaceName !== undefined && spaces.includes(a.SpaceName));
        if (mine && a.Status !== 'Deleted' && a.AppType && a.AppName) {
          apps.push({ ...a, AppType: a.AppType, AppName: a.AppName });
        }
      }
      token = page.NextToken;
      if (!token) break;
    }
    return apps;
  };
  const deleted: string[] = [];
  for (const app of await ownApps()) {
    if (app.Status === 'Deleting') continue;
    await c.sagemaker.send(
      new DeleteAppCommand({
        DomainId: domainId,
        AppType: app.AppType as never,
        AppName: app.AppName,
        ...(app.SpaceName ? { SpaceName: app.SpaceName } : { UserProfileName: app.UserProfileName }),
      }),
    );
    deleted.push(`app ${app.SpaceName ?? app.UserProfileName}/${app.AppType}/${app.AppName}`);
  }
  await waitFor(c, `the apps of ${profile} to be deleted`, async () => (await ownApps()).length === 0);
  for (const space of spaces) {
    await c.sagemaker.send(new DeleteSpaceCommand({ DomainId: domainId, SpaceName: space }));
    deleted.push(`space ${space}`);
  }
  await waitFor(c, `the spaces of ${profile} to be deleted`, async () => {
    const page = await c.sagemaker.send(new ListSpacesCommand({ DomainIdEquals: domainId }));
    return !(page.Spaces ?? []).some((s) => s.SpaceName && spaces.includes(s.SpaceName));
  });
  c.log({ cleanup: 'UserProfile', domainId, profile, deleted });
  return deleted;
}

async function describeDomain(c: Clients, domainId: string) {
  try {
    return await c.sagemaker.send(new DescribeDomainCommand({ DomainId: domainId }));
  } catch (error) {
    if (notFound(error)) return undefined;
    throw error;
  }
}

/**
 * Deletes the domain with its home file system retained, then what it leaves in the project subnets.
 * A domain that still has user profiles is refused by SageMaker: the message says which launches to end first.
 */
export async function cleanUpDomain(
  c: Clients,
  request: { DomainId: string; HomeEfsFileSystemId: string; VpcId: string },
): Promise<string[]> {
  const { DomainId: domainId, HomeEfsFileSystemId: fileSystemId, VpcId: vpcId } = request;
  const deleted: string[] = [];
  const domain = await describeDomain(c, domainId);
  // A retry while SageMaker is still deleting it only waits.
  if (domain && domain.Status !== 'Deleting') {
    await checkOwnDomain(c, domain.DomainArn!);
    try {
      await c.sagemaker.send(
        new DeleteDomainCommand({ DomainId: domainId, RetentionPolicy: { HomeEfsFileSystem: 'Retain' } }),
      );
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      throw new CleanupError(
        `SageMaker refused to delete Studio domain ${domainId} (${message}). Terminate the project's ` +
          'SageMaker Studio user launches first, then retry.',
      );
    }
    deleted.push(`domain ${domainId} (home file system ${fileSystemId} retained)`);
  }
  if (domain) {
    await waitFor(c, `domain ${domainId} to be deleted`, async () => (await describeDomain(c, domainId)) === undefined);
  }
  // The retained file system keeps the homes; its mount targets would keep the subnets alive.
  const mountTargets = async () => {
    try {
      const page = await c.efs.send(new DescribeMountTargetsCommand({ FileSystemId: fileSystemId }));
      return page.MountTargets ?? [];
    } catch (error) {
      if (notFound(error) || (error instanceof Error && error.name === 'FileSystemNotFound')) return [];
      throw error;
    }
  };
  for (const target of await mountTargets()) {
    if (target.LifeCycleState === 'deleting' || !target.MountTargetId) continue;
    await c.efs.send(new DeleteMountTargetCommand({ MountTargetId: target.MountTargetId }));
    deleted.push(`mount target ${target.MountTargetId}`);
  }
  await waitFor(
    c,
    `the mount targets of ${fileSystemId} to be deleted`,
    async () => (await mountTargets()).length === 0,
  );
  // The inbound and outbound NFS groups refer to each other: their rules go first, then the groups.
  const groups =
    (
      await c.ec2.send(
        new DescribeSecurityGroupsCommand({
          Filters: [
            { Name: 'vpc-id', Values: [vpcId] },
            { Name: 'group-name', Values: nfsGroupNames(domainId) },
          ],
        }),
      )
    ).SecurityGroups ?? [];
  for (const group of groups) {
    if (group.IpPermissions?.length) {
      await c.ec2.send(
        new RevokeSecurityGroupIngressCommand({ GroupId: group.GroupId, IpPermissions: group.IpPermissions }),
      );
    }
    if (group.IpPermissionsEgress?.length) {
      await c.ec2.send(
        new RevokeSecurityGroupEgressCommand({ GroupId: group.GroupId, IpPermissions: group.IpPermissionsEgress }),
      );
    }
  }
  for (const group of groups) {
    await c.ec2.send(new DeleteSecurityGroupCommand({ GroupId: group.GroupId }));
    deleted.push(`security group ${group.GroupName}`);
  }
  c.log({ cleanup: 'Domain', domainId, deleted });
  return deleted;
}

/** Create and update do nothing; delete cleans up what the request names. */
export async function handle(c: Clients, requestType: string, request: CleanupRequest): Promise<string[]> {
  if (requestType !== 'Delete') return [];
  if (request.Kind === 'Domain') return cleanUpDomain(c, request);
  if (request.Kind === 'UserProfile') return cleanUpUserProfile(c, request.DomainId, request.UserProfileName);
  throw new CleanupError(`Unknown cleanup kind ${(request as { Kind?: string }).Kind}`);
}
