// `node -r ./test/utils/register-ts.js src/main.ts`: runs the TypeScript sources in a real server
// process with the same SWC transform as jest, so the process tests need no `npm run build`.
const { readFileSync } = require('node:fs');
const Module = require('node:module');
const { join } = require('node:path');
const { transformSync } = require('@swc/core');

const libs = join(__dirname, '..', '..', 'libs', 'oauth-core', 'src');
const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  if (request === '@app/oauth-core' || request.startsWith('@app/oauth-core/')) {
    request = join(libs, request.slice('@app/oauth-core'.length) || 'index');
  }
  return resolveFilename.call(this, request, ...rest);
};

const options = {
  jsc: {
    target: 'es2022',
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
  },
  module: { type: 'commonjs' },
  sourceMaps: 'inline',
};

require.extensions['.ts'] = function (module, filename) {
  const { code } = transformSync(readFileSync(filename, 'utf8'), { ...options, filename });
  module._compile(code, filename);
};
