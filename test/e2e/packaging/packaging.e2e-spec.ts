import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Docker cannot run on this machine, so the image and the compose file are checked for what can be
 * checked without it: the image runs what `npm start` runs, as a non-root user, from a multi-stage
 * build, and compose puts two replicas on one PostgreSQL behind a proxy.
 */
describe('packaging', () => {
  const root = join(__dirname, '..', '..', '..');
  const dockerfile = readFileSync(join(root, 'docker/Dockerfile'), 'utf8');
  const compose = readFileSync(join(root, 'docker/compose.yaml'), 'utf8');
  const startScript = readFileSync(join(root, 'scripts/start.js'), 'utf8');
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> };

  it('the image starts the build exactly as npm start does', () => {
    expect(pkg.scripts.start).toBe('node scripts/start.js');
    const entry = /const entry = join\(root, '([^']+)'\)/.exec(startScript)?.[1];
    expect(entry).toBe('dist/src/main.js');
    const cmd = [...dockerfile.matchAll(/^CMD (.+)$/gm)].pop()?.[1];
    expect(JSON.parse(cmd!)).toEqual(['node', entry]);
  });

  it('is a multi-stage build that runs as a non-root user with a health check', () => {
    expect(dockerfile.match(/^FROM /gm)?.length).toBeGreaterThanOrEqual(2);
    expect(dockerfile).toMatch(/npm ci --omit=dev/);
    expect(dockerfile).toMatch(/^USER (?!root)\S+/m);
    expect(dockerfile).toMatch(/HEALTHCHECK[\s\S]*\/healthz/);
  });

  it('compose runs two server replicas on one PostgreSQL behind a proxy that forwards host and scheme', () => {
    expect(compose).toMatch(/image: postgres:/);
    expect(compose.match(/^ {2}iis-\d:/gm)?.length).toBe(2);
    expect(compose).toMatch(/TRUST_PROXY: "true"/);
    const nginx = readFileSync(join(root, 'docker/nginx.conf'), 'utf8');
    expect(nginx).toMatch(/X-Forwarded-Host/);
    expect(nginx).toMatch(/X-Forwarded-Proto/);
    expect(nginx).toMatch(/iis-1[\s\S]*iis-2/);
  });
});
