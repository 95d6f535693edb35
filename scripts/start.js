#!/usr/bin/env node
// `npm start`: build when dist/ is missing or older than the sources, then run the server.
const { execSync, spawn } = require('node:child_process');
const { existsSync, readdirSync, statSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const entry = join(root, 'dist/src/main.js');

function newest(dir) {
  let latest = 0;
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const st = statSync(path);
    latest = Math.max(latest, st.isDirectory() ? newest(path) : st.mtimeMs);
  }
  return latest;
}

const stale = !existsSync(entry) || Math.max(newest(join(root, 'src')), newest(join(root, 'libs'))) > statSync(entry).mtimeMs;
if (stale) {
  console.log('building…');
  execSync('npx nest build', { cwd: root, stdio: 'inherit' });
}
const child = spawn(process.execPath, [entry], { cwd: root, stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
