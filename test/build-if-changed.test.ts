import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs build tool (it runs before TypeScript is compiled), without type declarations.
import { BUILD_STEPS, buildIfChanged } from '../tools/build-if-changed.mjs';

/**
 * `npm start`'s build (tools/build-if-changed.mjs) on a scratch tree: each step is a real process that copies its
 * input to its output and counts its runs, so what ran is read from the files, not from the tool's own word.
 */

let root: string;

/** A step that concatenates `dir`'s files into `out/<name>.txt` and appends a line to `runs.log`. */
function copyStep(name: string, dir: string) {
  const script =
    `const fs=require('node:fs');const p=require('node:path');` +
    `const text=fs.readdirSync('${dir}').sort().map(f=>fs.readFileSync(p.join('${dir}',f),'utf8')).join('|');` +
    `fs.mkdirSync('out',{recursive:true});fs.writeFileSync('out/${name}.txt',text);fs.appendFileSync('runs.log','${name}\\n');`;
  return { name, inputs: [dir], outputs: [`out/${name}.txt`], command: [process.execPath, '-e', script] };
}

const steps = () => [copyStep('server', 'src'), copyStep('web', 'web')];
const runs = () => readFileSync(join(root, 'runs.log'), 'utf8').trim().split('\n');
const build = (always = false) => buildIfChanged(root, steps(), { stampFile: join(root, 'out', 'stamps.json'), always });

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'keyward-build-'));
  for (const dir of ['src', 'web']) mkdirSync(join(root, dir));
  writeFileSync(join(root, 'src', 'a.ts'), 'one');
  writeFileSync(join(root, 'web', 'page.tsx'), 'page');
  writeFileSync(join(root, 'runs.log'), '');
});

afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('npm start builds only what changed', () => {
  it('builds everything the first time, nothing the second, and again with --always', () => {
    expect(build()).toEqual(['server', 'web']);
    expect(build()).toEqual([]);
    expect(runs()).toEqual(['server', 'web']);
    expect(build(true)).toEqual(['server', 'web']);
    expect(runs()).toHaveLength(4);
  });

  it('an edited source rebuilds its step alone, and the output has the new content', () => {
    build();
    writeFileSync(join(root, 'src', 'a.ts'), 'two');
    expect(build()).toEqual(['server']);
    expect(readFileSync(join(root, 'out', 'server.txt'), 'utf8')).toBe('two');
    writeFileSync(join(root, 'web', 'new.tsx'), 'added');
    expect(build()).toEqual(['web']);
    rmSync(join(root, 'web', 'new.tsx'));
    expect(build()).toEqual(['web']);
    expect(readFileSync(join(root, 'out', 'web.txt'), 'utf8')).toBe('page');
  });

  it('a touched file whose content is the same rebuilds nothing; a missing output rebuilds its step', () => {
    build();
    const later = new Date(Date.now() + 60_000);
    utimesSync(join(root, 'src', 'a.ts'), later, later);
    expect(build()).toEqual([]);
    rmSync(join(root, 'out', 'web.txt'));
    expect(build()).toEqual(['web']);
  });

  it('a failed step throws and keeps its old stamp, so the next start tries again', () => {
    build();
    writeFileSync(join(root, 'src', 'a.ts'), 'three');
    const failing = [{ ...copyStep('server', 'src'), command: [process.execPath, '-e', 'process.exit(3)'] }];
    expect(() => buildIfChanged(root, failing, { stampFile: join(root, 'out', 'stamps.json') })).toThrow(/server failed/);
    expect(build()).toEqual(['server']);
  });

  it("the real steps: the server's inputs leave out tests and suites, which tsconfig.json does not compile", () => {
    const server = BUILD_STEPS.find((step: { name: string }) => step.name === 'server');
    expect(server.include('src/a.ts')).toBe(true);
    expect(server.include('src/a.test.ts')).toBe(false);
    expect(server.include('src/storage/suite/keys.suite.ts')).toBe(false);
  });
});
