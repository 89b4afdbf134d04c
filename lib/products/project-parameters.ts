import { CfnParameter, Stack } from 'aws-cdk-lib';
import { ENV_TYPES, PROJECT_NAME } from '../config/names';

/** Logical ids of the two launch parameters every project product takes (template constraints name them). */
export const PROJECT_PARAMETER_IDS = { projectName: 'ProjectName', envType: 'EnvType' } as const;

/** The ProjectName and EnvType launch parameters, identical in every product that takes them. */
export interface ProjectParameters {
  readonly projectName: CfnParameter;
  readonly envType: CfnParameter;
}

/** Declares ProjectName and EnvType on `stack`, with patterns that refuse bad input at launch. */
export function addProjectParameters(stack: Stack): ProjectParameters {
  const projectName = new CfnParameter(stack, PROJECT_PARAMETER_IDS.projectName, {
    type: 'String',
    description: `Name of the data science project: ${PROJECT_NAME.description}.`,
    allowedPattern: PROJECT_NAME.pattern,
    constraintDescription: `must be ${PROJECT_NAME.description}`,
  });
  const envType = new CfnParameter(stack, PROJECT_PARAMETER_IDS.envType, {
    type: 'String',
    description: 'Environment type; decides availability and cost (see README).',
    allowedValues: [...ENV_TYPES],
    default: 'dev',
    constraintDescription: `must be one of ${ENV_TYPES.join(', ')}`,
  });
  return { projectName, envType };
}

/** Owner user names: they become part of IAM role, notebook and profile names. */
export const OWNER_USER_NAME = {
  pattern: '^[a-z][a-z0-9-]{0,18}[a-z0-9]$',
  description: '2-20 lower-case letters, digits or hyphens, starting with a letter',
} as const;

/** Owner e-mail addresses: only characters IAM and SageMaker accept in tag values (the address becomes a tag). */
export const OWNER_EMAIL = {
  pattern: '^[A-Za-z0-9._+-]+@[A-Za-z0-9.-]+\\.[A-Za-z]{2,}$',
  description: 'an e-mail address like jane@example.com (letters, digits and . _ + - before the @)',
} as const;

/** The OwnerUserName and OwnerEmail launch parameters of a workspace product; `names` says what the user name names. */
export function addOwnerParameters(stack: Stack, names: string): { owner: CfnParameter; email: CfnParameter } {
  const owner = new CfnParameter(stack, 'OwnerUserName', {
    type: 'String',
    description: `Your user name: ${OWNER_USER_NAME.description}. Names ${names}.`,
    allowedPattern: OWNER_USER_NAME.pattern,
    constraintDescription: `must be ${OWNER_USER_NAME.description}`,
  });
  const email = new CfnParameter(stack, 'OwnerEmail', {
    type: 'String',
    description: 'Your e-mail address, used as your git identity.',
    allowedPattern: OWNER_EMAIL.pattern,
    maxLength: 254,
    constraintDescription: `must be ${OWNER_EMAIL.description}`,
  });
  return { owner, email };
}
