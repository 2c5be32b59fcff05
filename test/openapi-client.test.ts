import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import openapiTS, { astToString } from 'openapi-typescript';
import ts from 'typescript';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './harness.js';

/**
 * A client generated from the committed openapi.json, as a user would make one (README, "OpenAPI document"):
 * `openapi-typescript` generates the `paths` types, test/openapi-client/keyward-client.ts is a small program written
 * against them with `openapi-fetch`; it must compile with strict settings and then work against a live server.
 * Runs on the engine KEYWARD_TEST_ENGINE names (package.json runs it on both).
 */
const DOCUMENT = new URL('../openapi.json', import.meta.url);
const PROGRAM = fileURLToPath(new URL('./openapi-client/keyward-client.ts', import.meta.url));
/** Where a user would keep the generated types; the compiler host below serves them from memory, nothing is written. */
const TYPES = join(dirname(PROGRAM), 'keyward-openapi.generated.ts');

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t.close();
});

/** What test/openapi-client/keyward-client.ts exports, as this test reads it. */
type RunClient = (
  baseUrl: string,
  rootKey: string,
) => Promise<{
  keyIds: string[];
  verification: { valid: boolean; code: string; keyId: string | undefined; credits: number | undefined };
  pages: string[][];
  badRequest: { status: number; problems: string[] };
}>;

const COMPILER_OPTIONS: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  strict: true,
  noUncheckedIndexedAccess: true,
  noUnusedLocals: true,
  // Library declarations only: the generated file is a .ts source, so it is checked.
  skipLibCheck: true,
  noEmit: true,
  // openapi-fetch needs fetch's types and nothing of Node's.
  types: [],
  lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
};

/** Parsed library files, shared by the compilations below (parsing lib.dom.d.ts is much of a compilation's time). */
const parsed = new Map<string, ts.SourceFile | undefined>();

/** The program's type errors against the generated types (the text of TYPES), as tsc would print them. */
function typeErrors(generated: string): string[] {
  const types = TYPES;
  const options = { ...COMPILER_OPTIONS, paths: { 'keyward-openapi': [types] } };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.fileExists = (
    (exists) => (name: string) =>
      name === types || exists(name)
  )(host.fileExists.bind(host));
  host.readFile = (
    (read) => (name: string) =>
      name === types ? generated : read(name)
  )(host.readFile.bind(host));
  host.getSourceFile = (name, language) => {
    if (name === types) return ts.createSourceFile(name, generated, language);
    if (!parsed.has(name)) parsed.set(name, getSourceFile(name, language));
    return parsed.get(name);
  };
  const program = ts.createProgram([PROGRAM], options, host);
  return ts
    .getPreEmitDiagnostics(program)
    .map((d) => `${d.file ? `${d.file.fileName}: ` : ''}${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
}

it('generates a client from openapi.json that compiles, and works against a live server', async () => {
  const generated = astToString(await openapiTS(JSON.parse(readFileSync(DOCUMENT, 'utf8'))));
  expect(typeErrors(generated)).toEqual([]);

  // The generated types do constrain the program: a document that required `decrypt` on apis.listKeys would not compile.
  expect(generated).toContain('decrypt?: boolean;');
  expect(typeErrors(generated.replace('decrypt?: boolean;', 'decrypt: boolean;')).join('\n')).toMatch(/decrypt/);

  // Imported by a computed name, so that tsconfig.test.json's compilation does not follow it (it cannot resolve
  // `keyward-openapi`); the compilation above is the program's type check.
  const { runClient }: { runClient: RunClient } = await import(PROGRAM);
  const run = await runClient(await t.listen(), t.rootKey);
  expect(run.verification).toEqual({ valid: true, code: 'VALID', keyId: run.keyIds[0], credits: 9 });
  expect(run.pages.map((page) => page.length)).toEqual([2, 2, 1]);
  expect(run.pages.flat().sort()).toEqual([...run.keyIds].sort());
  expect(run.badRequest.status).toBe(400);
  expect(run.badRequest.problems).toEqual([expect.stringMatching(/^body\.name: /)]);
});
