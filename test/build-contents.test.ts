import { execFileSync } from 'node:child_process';
import { relative } from 'node:path';

// What `npm run build` compiles is what dist/ and the production image hold (the Dockerfile copies dist/ and
// views/ only): asking the compiler for its input files tells what ships, without building.
describe('npm run build', () => {
  const inputs = execFileSync('node_modules/.bin/tsc', ['-p', 'tsconfig.build.json', '--listFilesOnly'], {
    encoding: 'utf8',
  })
    .split('\n')
    .map((file) => relative(process.cwd(), file.trim()))
    .filter((file) => file && !file.startsWith('node_modules/') && !file.startsWith('..'));

  it('compiles the product from src/ and nothing else', () => {
    expect(inputs.length).toBeGreaterThan(50);
    expect(inputs.filter((file) => !file.startsWith('src/'))).toEqual([]);
  });

  it('ships no demo or test party (demo upstream, demo portals, provider doubles, seeding)', () => {
    expect(inputs.filter((file) => /demo|parties|double|seed|loopback-(server|stack)/i.test(file))).toEqual([]);
  });
});
