import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { KEYWARD_ENTRY } from '../keyward-entry.js';

/**
 * Keyward server processes started the way an operator starts them (`keyward start`: test/keyward-entry.ts says how), on the
 * system clock, for tests that need real processes: several nodes, signals, a dependency going away under them.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface Launched {
  child: ChildProcess;
  output: { stdout: string; stderr: string };
  /** The exit code (null when ended by a signal). */
  exited: Promise<number | null>;
}

export interface KeywardNode extends Launched {
  /** http://host:port */
  address: string;
}

const launchedByThisFile: ChildProcess[] = [];

/** The environment of a child: ours without any KEYWARD_* variable, plus `vars`. */
function environment(vars: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) if (!name.startsWith('KEYWARD_')) env[name] = value;
  return { ...env, ...vars };
}

/** Runs `keyward <args>` (or `entry`, node's arguments naming another script) with `vars` as its only KEYWARD_* settings. */
export function launch(args: string[], vars: Record<string, string>, entry: readonly string[] = KEYWARD_ENTRY): Launched {
  const child = spawn(process.execPath, [...entry, ...args], { cwd: ROOT, env: environment(vars) });
  launchedByThisFile.push(child);
  const output = { stdout: '', stderr: '' };
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    output.stdout += chunk;
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    output.stderr += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return { child, output, exited };
}

/** Runs a command to its end and returns its stdout; throws with its stderr when it exits non-zero. */
export async function runToEnd(args: string[], vars: Record<string, string>): Promise<string> {
  const { output, exited } = launch(args, vars);
  const code = await exited;
  if (code !== 0) throw new Error(`keyward ${args.join(' ')} exited with ${code}:\n${output.stderr}`);
  return output.stdout;
}

/** `keyward start` on a free port; resolves with its address once it prints that it listens. */
export function startNode(vars: Record<string, string>, { timeoutMs = 60_000 } = {}): Promise<KeywardNode> {
  return listening(launch(['start'], { KEYWARD_PORT: '0', ...vars }), timeoutMs);
}

/**
 * A node acting as a version before new key hashes were logged (test/faults/earlier-version-node.ts, from the source)
 * on a free port, for tests of a rolling upgrade; the migrations must have been applied (by `keyward migrate` or
 * another node).
 */
export function startEarlierVersionNode(vars: Record<string, string>, { timeoutMs = 60_000 } = {}): Promise<KeywardNode> {
  const entry = ['--import', 'tsx', 'test/faults/earlier-version-node.ts'];
  return listening(launch([], { KEYWARD_PORT: '0', ...vars }, entry), timeoutMs);
}

/** Resolves with the node's address once it prints that it listens; rejects when it exits first or takes too long. */
async function listening(node: Launched, timeoutMs: number): Promise<KeywardNode> {
  const address = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no "listening" line within ${timeoutMs / 1000} s:\n${node.output.stdout}\n${node.output.stderr}`)),
      timeoutMs,
    );
    const check = () => {
      const match = /Keyward listening on (\S+)/.exec(node.output.stdout);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    node.child.stdout!.on('data', check);
    node.exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code}:\n${node.output.stderr}`));
    });
  });
  return { ...node, address };
}

/** Ends every process this test file started, each by its handle: SIGCONT (it may be frozen), SIGTERM, then SIGKILL. */
export async function stopLaunched(): Promise<void> {
  await Promise.all(
    launchedByThisFile.splice(0).map(async (child) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const gone = new Promise<void>((resolve) => child.once('close', () => resolve()));
      child.kill('SIGCONT');
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await gone;
      clearTimeout(timer);
    }),
  );
}

/** One API call to a node with a bearer token; the body parsed as JSON (null when it is not JSON). */
export async function call(
  address: string,
  rootKey: string,
  operation: string,
  body: unknown,
  { timeoutMs = 30_000 } = {},
): Promise<{ status: number; headers: Headers; body: any; ms: number }> {
  const started = performance.now();
  const response = await fetch(`${address}/v2/${operation}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${rootKey}` },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await response.text();
  let parsed: unknown = null;
  try {
    parsed = JSON.parse(text);
  } catch {}
  return { status: response.status, headers: response.headers, body: parsed, ms: performance.now() - started };
}
