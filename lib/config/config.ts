import { DEFAULT_PREFIX, TRUSTED_ROLE_ARNS } from './names';

/**
 * The one typed configuration of the app. `bin/app.ts` reads it from CDK context
 * (cdk.json defaults, `-c key=value` overrides) and passes it down as props.
 */
export interface AppConfig {
  /** Prefix of every resource name, SSM parameter and export: 2-8 lower-case letters or digits. */
  readonly prefix: string;
  /**
   * Literal name of the bucket that holds Service Catalog product assets (nested product
   * templates, seeded notebooks). A literal because ProductStack cannot use a token here.
   */
  readonly assetBucketName: string;
  /**
   * Who may assume the Project Administrator role: account ids or IAM role/user ARNs.
   * Empty means principals of the deploying account, with MFA.
   */
  readonly projectAdministratorPrincipals: readonly string[];
  /** Where security findings are e-mailed. @default - no subscription */
  readonly securityNotificationEmail?: string;
  /** CIDR of the shared-services VPC (/16 to /24). */
  readonly sharedServicesVpcCidr: string;
  /** Availability zones the shared-services VPC spans (1 to 3). */
  readonly sharedServicesAzCount: number;
  /**
   * TLS for the PyPI mirror: an ACM certificate in this account and region, and the DNS name
   * it is issued for. @default - plain HTTP inside PrivateLink (see docs/architecture.md)
   */
  readonly mirrorTls?: { readonly certificateArn: string; readonly domainName: string };
  /** `notify`: the detective control reports but changes nothing (first rollout). @default 'enforce' */
  readonly detectiveControlMode: 'enforce' | 'notify';
  /** Rely on an existing (e.g. organization) CloudTrail trail instead of creating one. @default false */
  readonly useExistingTrail: boolean;
  /**
   * Reserved concurrency of the detective control function. Reserving any fails on accounts whose
   * Lambda concurrency quota is 10 (new accounts), so it is opt-in. @default - none (unreserved)
   */
  readonly detectiveControlConcurrency?: number;
  /**
   * IPv4 networks (e.g. the corporate egress ranges) from which the console may open project notebooks.
   * @default - any network
   */
  readonly consoleSourceCidrs: readonly string[];
  /**
   * Platform default of the project environment's UserRoleArns / AdminRoleArns launch parameters:
   * role ARNs (wildcards allowed) of this account that may switch into project roles without MFA.
   * @default - none: this account, with MFA
   */
  readonly projectUserRoleArns: readonly string[];
  readonly projectAdminRoleArns: readonly string[];
  /** Instance types data scientists may choose for notebooks; the first is the default. */
  readonly notebookInstanceTypes: readonly string[];
}

/** Notebook instance types offered unless configured: small general-purpose CPU types, and one GPU. */
export const DEFAULT_NOTEBOOK_INSTANCE_TYPES = [
  'ml.t3.medium',
  'ml.t3.large',
  'ml.t3.xlarge',
  'ml.m5.xlarge',
  'ml.m5.2xlarge',
  'ml.c5.xlarge',
  // GPU (the 2020 system's choice): EBS storage, so it takes the project key like the others.
  'ml.p3.2xlarge',
] as const;

/** SageMaker instance type names: `ml.<family>.<size>`. */
const INSTANCE_TYPE_PATTERN = /^ml\.[a-z][a-z0-9-]*\.(medium|large|\d*xlarge)$/;
/** Kept short enough for the launch form (CloudFormation lists them all). */
const MAX_NOTEBOOK_INSTANCE_TYPES = 30;

/** Reads one raw context value; `bin/` passes `key => app.node.tryGetContext(key)`. */
export type ContextReader = (key: string) => unknown;

/** Account and region the CLI resolved from credentials, when there are any. */
export interface DeployEnvironment {
  readonly account?: string;
  readonly region?: string;
}

export const PREFIX_PATTERN = /^[a-z][a-z0-9]{1,7}$/;
const ACCOUNT_PATTERN = /^\d{12}$/;
const PRINCIPAL_ARN_PATTERN = /^arn:aws(-[a-z]+)*:iam::\d{12}:(root|(role|user)\/([\w+=,.@-]+\/)*[\w+=,.@-]{1,64})$/;
/** An email address (config values, and launch parameters that take one). */
export const EMAIL_PATTERN = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const ACM_ARN_PATTERN = /^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[0-9a-f-]{36}$/;
const DOMAIN_PATTERN = /^(?=.{4,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

/** Every problem of a configuration, one line each. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration (cdk.json context or -c):\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Context keys that belong to the CDK and its CLI rather than to this app: feature flags (`@aws-cdk/...`),
 * lookups and CLI settings (`aws:cdk:...`, `availability-zones:...`), and these plain ones.
 */
const CDK_CONTEXT_KEYS = new Set(['cli-telemetry', 'acknowledged-issue-numbers']);
const isCdkContextKey = (key: string) => key.startsWith('@') || key.includes(':') || CDK_CONTEXT_KEYS.has(key);

/**
 * Builds and validates the config; throws a ConfigError naming every bad key, its value and what is allowed.
 * `contextKeys` (every key of the app's context) makes a key the app does not read an error too, e.g. a typo.
 */
export function loadConfig(
  readContext: ContextReader,
  env: DeployEnvironment = {},
  contextKeys: readonly string[] = [],
): AppConfig {
  const errors: string[] = [];
  const fail = (key: string, value: unknown, allowed: string) =>
    errors.push(`${key}: got ${JSON.stringify(value)}; ${allowed}`);
  // The keys this function reads are the app's settings: an unknown key is one it never asks for.
  const known = new Set<string>();
  const read = (key: string) => {
    known.add(key);
    return readContext(key);
  };
  const list = (key: string) => {
    const raw = read(key);
    const { values, problem } = asList(raw);
    if (problem) fail(key, raw, problem);
    return values;
  };

  const prefix = asString(read('prefix')) ?? DEFAULT_PREFIX;
  const prefixValid = PREFIX_PATTERN.test(prefix);
  if (!prefixValid) fail('prefix', prefix, 'expected 2-8 lower-case letters or digits, starting with a letter');

  const rawBucketName = asString(read('assetBucketName'));
  const assetBucketName = rawBucketName ?? defaultAssetBucketName(prefix, env);
  // A default derived from a bad prefix is not a second problem: fixing the prefix fixes it.
  const bucketProblem = rawBucketName !== undefined || prefixValid ? s3BucketNameProblem(assetBucketName) : undefined;
  if (bucketProblem) fail('assetBucketName', assetBucketName, bucketProblem);

  const projectAdministratorPrincipals = list('projectAdministratorPrincipals');
  for (const principal of projectAdministratorPrincipals) {
    if (!ACCOUNT_PATTERN.test(principal) && !PRINCIPAL_ARN_PATTERN.test(principal)) {
      fail(
        'projectAdministratorPrincipals',
        principal,
        'expected a 12-digit account id or an IAM ARN like arn:aws:iam::123456789012:role/Name',
      );
    }
  }

  const securityNotificationEmail = asString(read('securityNotificationEmail')) || undefined;
  if (securityNotificationEmail !== undefined && !EMAIL_PATTERN.test(securityNotificationEmail)) {
    fail(
      'securityNotificationEmail',
      securityNotificationEmail,
      'expected an e-mail address like security@example.com',
    );
  }

  const sharedServicesVpcCidr = asString(read('sharedServicesVpcCidr')) ?? '10.10.0.0/16';
  const cidrProblem = cidrBlockProblem(sharedServicesVpcCidr, 16, 24);
  if (cidrProblem) fail('sharedServicesVpcCidr', sharedServicesVpcCidr, cidrProblem);

  const rawAzCount = read('sharedServicesAzCount') ?? 2;
  const sharedServicesAzCount = Number(rawAzCount);
  if (!Number.isInteger(sharedServicesAzCount) || sharedServicesAzCount < 1 || sharedServicesAzCount > 3) {
    fail('sharedServicesAzCount', rawAzCount, 'expected a whole number from 1 to 3');
  }

  const certificateArn = asString(read('mirrorCertificateArn')) || undefined;
  const domainName = asString(read('mirrorDomainName')) || undefined;
  if (certificateArn && !ACM_ARN_PATTERN.test(certificateArn)) {
    fail(
      'mirrorCertificateArn',
      certificateArn,
      'expected an ACM certificate ARN like arn:aws:acm:eu-west-1:123456789012:certificate/<id>',
    );
  }
  if (domainName && !DOMAIN_PATTERN.test(domainName)) {
    fail('mirrorDomainName', domainName, 'expected a lower-case DNS name like pypi.data.example.com');
  }
  if (Boolean(certificateArn) !== Boolean(domainName)) {
    fail(
      'mirrorCertificateArn',
      certificateArn ?? '',
      'mirrorCertificateArn and mirrorDomainName go together: set both or neither',
    );
  }
  const mirrorTls = certificateArn && domainName ? { certificateArn, domainName } : undefined;

  const detectiveControlMode = asString(read('detectiveControlMode')) ?? 'enforce';
  if (detectiveControlMode !== 'enforce' && detectiveControlMode !== 'notify') {
    fail('detectiveControlMode', detectiveControlMode, 'expected enforce or notify');
  }
  const rawTrail = read('useExistingTrail') ?? false;
  const useExistingTrail = rawTrail === true || rawTrail === 'true';
  if (!useExistingTrail && rawTrail !== false && rawTrail !== 'false') {
    fail('useExistingTrail', rawTrail, 'expected true or false');
  }

  const rawConcurrency = read('detectiveControlConcurrency');
  const detectiveControlConcurrency =
    rawConcurrency === undefined || rawConcurrency === null || rawConcurrency === ''
      ? undefined
      : Number(rawConcurrency);
  if (
    detectiveControlConcurrency !== undefined &&
    (!Number.isInteger(detectiveControlConcurrency) ||
      detectiveControlConcurrency < 1 ||
      detectiveControlConcurrency > 100)
  ) {
    fail(
      'detectiveControlConcurrency',
      rawConcurrency,
      'expected a whole number from 1 to 100, or leave it unset (reserving needs an account concurrency quota above 10 + this value)',
    );
  }

  const trustedRoles = (key: string) => {
    const arns = list(key);
    const joined = arns.join(',');
    if (!new RegExp(TRUSTED_ROLE_ARNS.pattern).test(joined))
      fail(key, joined, `expected ${TRUSTED_ROLE_ARNS.description}`);
    else if (joined.length > TRUSTED_ROLE_ARNS.maxLength) {
      fail(key, `${joined.length} characters`, `expected at most ${TRUSTED_ROLE_ARNS.maxLength} characters in all`);
    }
    return arns;
  };
  const projectUserRoleArns = trustedRoles('projectUserRoleArns');
  const projectAdminRoleArns = trustedRoles('projectAdminRoleArns');

  const configuredTypes = list('notebookInstanceTypes');
  const notebookInstanceTypes = configuredTypes.length > 0 ? configuredTypes : [...DEFAULT_NOTEBOOK_INSTANCE_TYPES];
  for (const type of notebookInstanceTypes.filter((t) => !INSTANCE_TYPE_PATTERN.test(t))) {
    fail(
      'notebookInstanceTypes',
      type,
      'expected a SageMaker notebook instance type like ml.t3.medium or ml.g5.xlarge',
    );
  }
  const repeated = notebookInstanceTypes.filter((t, i) => notebookInstanceTypes.indexOf(t) !== i);
  if (repeated.length > 0) fail('notebookInstanceTypes', repeated, 'expected each instance type once');
  if (notebookInstanceTypes.length > MAX_NOTEBOOK_INSTANCE_TYPES) {
    fail(
      'notebookInstanceTypes',
      `${notebookInstanceTypes.length} types`,
      `expected at most ${MAX_NOTEBOOK_INSTANCE_TYPES}`,
    );
  }

  const consoleSourceCidrs = list('consoleSourceCidrs');
  for (const cidr of consoleSourceCidrs) {
    const problem = cidrBlockProblem(cidr, 8, 32);
    if (problem) fail('consoleSourceCidrs', cidr, problem);
  }

  for (const key of contextKeys.filter((k) => !known.has(k) && !isCdkContextKey(k))) {
    errors.push(`${key}: not a setting of this app; ${didYouMean(key, [...known])}`);
  }

  if (errors.length > 0) throw new ConfigError(errors);
  return {
    prefix,
    assetBucketName,
    projectAdministratorPrincipals,
    securityNotificationEmail,
    sharedServicesVpcCidr,
    sharedServicesAzCount,
    mirrorTls,
    detectiveControlMode: detectiveControlMode as 'enforce' | 'notify',
    useExistingTrail,
    detectiveControlConcurrency,
    consoleSourceCidrs,
    projectUserRoleArns,
    projectAdminRoleArns,
    notebookInstanceTypes,
  };
}

/**
 * Bucket names are global: with credentials the CLI knows the account and region, which make
 * the default unique; offline synth (no credentials) falls back to a fixed name.
 */
export function defaultAssetBucketName(prefix: string, env: DeployEnvironment): string {
  if (env.account && env.region) return `${prefix}-catalog-assets-${env.account}-${env.region}`;
  return `${prefix}-catalog-assets`;
}

/** Why `name` is not a usable bucket name, or undefined when it is. */
export function s3BucketNameProblem(name: string): string | undefined {
  if (name.length < 3 || name.length > 63) return `expected 3-63 characters (has ${name.length})`;
  if (!/^[a-z0-9][a-z0-9-]*[a-z0-9]$/.test(name)) {
    return 'expected lower-case letters, digits and hyphens, starting and ending with a letter or digit (no dots: they break TLS on virtual-hosted URLs)';
  }
  if (name.startsWith('xn--') || name.startsWith('sthree-')) return 'must not start with xn-- or sthree-';
  if (name.endsWith('-s3alias') || name.endsWith('--ol-s3') || name.endsWith('--x-s3')) {
    return 'must not end with an S3-reserved suffix (-s3alias, --ol-s3, --x-s3)';
  }
  return undefined;
}

/** Why `cidr` is not an IPv4 network block with a prefix length in [minBits, maxBits], or undefined. */
export function cidrBlockProblem(cidr: string, minBits: number, maxBits: number): string | undefined {
  const expected = `expected an IPv4 network like 10.10.0.0/16 with a prefix length from /${minBits} to /${maxBits}`;
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr);
  if (!match) return expected;
  const octets = match.slice(1, 5).map(Number);
  const bits = Number(match[5]);
  if (octets.some((o) => o > 255) || bits < minBits || bits > maxBits) return expected;
  const address = octets.reduce((acc, o) => acc * 256 + o, 0);
  const hostSize = 2 ** (32 - bits);
  if (address % hostSize !== 0) {
    const network = address - (address % hostSize);
    const dotted = [24, 16, 8, 0].map((shift) => Math.floor(network / 2 ** shift) % 256).join('.');
    return `host bits are set; did you mean ${dotted}/${bits}?`;
  }
  return undefined;
}

function asString(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  return String(value).trim();
}

/** Context from cdk.json may be a JSON array; from `-c` it is a string (comma-separated or JSON). */
function asList(value: unknown): { values: string[]; problem?: string } {
  if (value === undefined || value === null || value === '') return { values: [] };
  if (Array.isArray(value)) return { values: value.map((v) => String(v).trim()).filter(Boolean) };
  const text = String(value).trim();
  if (!text.startsWith('[') && !text.startsWith('{')) {
    return {
      values: text
        .split(',')
        .map((v) => v.trim())
        .filter(Boolean),
    };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return {
      values: [],
      problem: `malformed JSON (${(error as Error).message}); expected a JSON array of strings or a comma-separated list`,
    };
  }
  if (!Array.isArray(parsed))
    return { values: [], problem: 'expected a JSON array of strings or a comma-separated list' };
  return asList(parsed);
}

/** "did you mean X?" for the closest known key, or the list of known keys. */
function didYouMean(key: string, known: string[]): string {
  const distance = (a: string, b: string) => editDistance(a.toLowerCase(), b.toLowerCase());
  const [closest] = [...known].sort((a, b) => distance(key, a) - distance(key, b));
  if (closest && distance(key, closest) <= Math.max(2, Math.floor(closest.length / 4))) {
    return `did you mean ${closest}?`;
  }
  return `the settings are ${[...known].sort().join(', ')}`;
}

/** Levenshtein distance. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length];
}
