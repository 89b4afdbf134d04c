import { Dependencies } from '../../lambda/detective-control/enforce';
import { ProjectNetwork } from '../../lambda/detective-control/projects';
import { ALPHA, ALPHA_STUDIO, BETA, BETA_STUDIO } from './cloudtrail-events';
import { TEST_NAMES } from '../helpers/names';

/** Two launched projects, as readProjectNetworks returns them; both enable Studio. */
export const PROJECTS: ProjectNetwork[] = [
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
    securityGroups: new Set([BETA.securityGroup, BETA_STUDIO.securityGroup]),
    studioDomainId: BETA_STUDIO.domainId,
  },
];

/** Fake clients: record every command; the SageMaker one fails with the given errors first. */
export function fakes(
  options: { mode?: 'enforce' | 'notify'; sagemakerErrors?: Error[]; cachedProjects?: ProjectNetwork[] } = {},
) {
  const sent: { command: string; input: Record<string, unknown> }[] = [];
  const published: Record<string, unknown>[] = [];
  const subjects: string[] = [];
  const lines: Record<string, unknown>[] = [];
  const errors = [...(options.sagemakerErrors ?? [])];
  const deps: Dependencies = {
    sagemaker: {
      send: (async (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
        sent.push({ command: command.constructor.name, input: command.input });
        const error = errors.shift();
        if (error) throw error;
        return {};
      }) as never,
    },
    sns: {
      send: (async (command: { input: { Message: string; Subject: string } }) => {
        published.push(JSON.parse(command.input.Message) as Record<string, unknown>);
        subjects.push(command.input.Subject);
        return {};
      }) as never,
    },
    // A stale cache (when given) until a fresh read is asked for.
    projectNetworks: async ({ fresh = false } = {}) => (fresh ? PROJECTS : (options.cachedProjects ?? PROJECTS)),
    topicArn: `arn:aws:sns:eu-west-1:111122223333:${TEST_NAMES.prefix}-security-findings`,
    mode: options.mode ?? 'enforce',
    log: (line) => lines.push(line),
    sleep: async () => undefined,
  };
  return { deps, sent, published, subjects, lines };
}

export const sdkError = (name: string, message: string) => Object.assign(new Error(message), { name });
