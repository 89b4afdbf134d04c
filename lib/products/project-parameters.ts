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
