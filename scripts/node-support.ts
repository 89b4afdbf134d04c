/**
 * Node.js versions: 22 and 24 LTS are supported; 20.19+ still works but is past its end of life.
 * `engines` in package.json and the README say the same (a test checks it).
 *
 * On Node 20 the AWS SDK prints a NodeVersionSupportWarning on every run. The README already
 * states the supported versions, so scripts and tests that create SDK clients import this module
 * first and turn the warning off with the SDK's own switch (set before any client is created).
 */
export const NODE_ENGINES = '^20.19.0 || ^22.13.0 || >=24';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
