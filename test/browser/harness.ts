import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { build } from 'vite';
import { startTestServer, type TestServer } from '../harness.js';

/**
 * The browser tests' harness: the dashboard built once per run, a Keyward test server serving it on a real socket, and
 * Debian's chromium driven by playwright-core. Pages are recorded: every request (to prove none leaves the origin),
 * Content-Security-Policy violations, console errors and uncaught exceptions.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const DASHBOARD_DIR = join(ROOT, 'dist', 'web');
const LOCK = join(ROOT, 'dist', '.web-build.lock');

/** The newest modification time under `dir`, files and folders alike. */
function newest(dir: string): number {
  let latest = statSync(dir).mtimeMs;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return latest;
}

function builtIsFresh(): boolean {
  const index = join(DASHBOARD_DIR, 'index.html');
  return existsSync(index) && statSync(index).mtimeMs >= newest(join(ROOT, 'web'));
}

/**
 * Builds web/ into dist/web unless the build there is newer than every source (CI has just run `npm run build`): once
 * per run however many files ask, as a directory made with mkdir is a lock only one process gets; the others wait
 * for it and find the build fresh.
 */
export async function ensureDashboardBuilt(): Promise<void> {
  const deadline = Date.now() + 180_000;
  for (;;) {
    if (builtIsFresh()) return;
    mkdirSync(join(ROOT, 'dist'), { recursive: true });
    try {
      mkdirSync(LOCK);
    } catch {
      if (Date.now() > deadline) throw new Error(`${LOCK} held for 3 minutes: remove it if no test run is building`);
      await new Promise((resolve) => setTimeout(resolve, 250));
      continue;
    }
    try {
      if (!builtIsFresh()) await build({ configFile: join(ROOT, 'web', 'vite.config.ts'), logLevel: 'error' });
    } finally {
      rmdirSync(LOCK);
    }
  }
}

/** Debian's chromium (`apt-get install chromium`; .ci/run installs it when missing). */
export function chromiumPath(): string {
  for (const candidate of [process.env.KEYWARD_TEST_CHROMIUM, '/usr/bin/chromium']) {
    if (candidate && existsSync(candidate)) return candidate;
  }
  try {
    return execFileSync('which', ['chromium'], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error('chromium is not installed: apt-get install -y chromium (.ci/run does it)');
  }
}

export interface DashboardRun {
  t: TestServer;
  /** http://127.0.0.1:<port> */
  origin: string;
  browser: Browser;
  /** Every log line the server wrote (the first-run setup link is one). */
  logLines: string[];
  close(): Promise<void>;
}

/**
 * A test server serving the built dashboard on a socket, with the server's log captured, and a headless chromium;
 * `env` adds settings of the server's (analytics off, a short analytics flush).
 */
export async function startDashboard(options: { env?: Record<string, string> } = {}): Promise<DashboardRun> {
  await ensureDashboardBuilt();
  const logLines: string[] = [];
  const t = await startTestServer({
    env: { KEYWARD_DASHBOARD_DIR: DASHBOARD_DIR, KEYWARD_LOG_LEVEL: 'info', ...options.env },
    logStream: { write: (line) => logLines.push(line) },
  });
  const origin = await t.listen();
  const browser = await chromium.launch({
    executablePath: chromiumPath(),
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  return {
    t,
    origin,
    browser,
    logLines,
    close: async () => {
      await browser.close();
      await t.close();
    },
  };
}

/** True once the server has the dashboard's backend (the `dashboard.*` operations of issue 15). */
export async function backendAvailable(t: TestServer): Promise<boolean> {
  const answer = await t.call('dashboard.getSetupStatus', {}, { rootKey: null });
  return answer.status === 200;
}

export interface RecordedPage {
  context: BrowserContext;
  page: Page;
  /** Every URL the page asked for, of any kind (document, script, fetch, image, favicon). */
  requests: string[];
  /** What the browser refused under the Content-Security-Policy (`securitypolicyviolation` events). */
  violations(): Promise<string[]>;
  consoleErrors: string[];
  pageErrors: string[];
}

/** A fresh browser context (no cookies), of the given size and colour scheme, with everything the page does recorded. */
export async function openPage(
  run: DashboardRun,
  options: { width?: number; height?: number; colorScheme?: 'light' | 'dark' } = {},
): Promise<RecordedPage> {
  const context = await run.browser.newContext({
    viewport: { width: options.width ?? 1280, height: options.height ?? 800 },
    colorScheme: options.colorScheme ?? 'light',
  });
  // Injected by the browser, not by the page: the policy does not apply to it, and it sees every violation.
  await context.addInitScript(() => {
    const seen: string[] = [];
    (window as unknown as { __cspViolations: string[] }).__cspViolations = seen;
    document.addEventListener('securitypolicyviolation', (event) => seen.push(`${event.violatedDirective} ${event.blockedURI}`));
    // Layout shifts as the browser scores them (Cumulative Layout Shift's entries), from the first paint on.
    const shifts: { value: number; moved: string[] }[] = [];
    (window as unknown as { __layoutShifts: typeof shifts }).__layoutShifts = shifts;
    type Shift = PerformanceEntry & { value: number; hadRecentInput: boolean; sources: { node?: Node | null }[] };
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries() as Shift[]) {
        if (entry.hadRecentInput) continue;
        const moved = entry.sources.map((source) =>
          source.node instanceof Element ? `${source.node.tagName.toLowerCase()}.${source.node.className}` : String(source.node?.nodeName),
        );
        shifts.push({ value: entry.value, moved });
      }
    }).observe({ type: 'layout-shift', buffered: true });
  });
  const page = await context.newPage();
  const recorded: RecordedPage = {
    context,
    page,
    requests: [],
    consoleErrors: [],
    pageErrors: [],
    violations: () => page.evaluate(() => (window as unknown as { __cspViolations: string[] }).__cspViolations),
  };
  page.on('request', (request) => recorded.requests.push(request.url()));
  page.on('console', (message) => {
    if (message.type() === 'error') recorded.consoleErrors.push(message.text());
  });
  page.on('pageerror', (error) => recorded.pageErrors.push(error.message));
  return recorded;
}

/** The layout shifts the page has had so far (none when nothing moved), each with the elements it moved. */
export async function layoutShifts(page: Page): Promise<{ value: number; moved: string[] }[]> {
  return page.evaluate(() => (window as unknown as { __layoutShifts: { value: number; moved: string[] }[] }).__layoutShifts);
}

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/**
 * axe-core's serious and critical accessibility violations on the page as it is now (rule id and the elements it
 * names). axe is evaluated through the DevTools protocol, not as a <script> element: the page's CSP would rightly refuse
 * an inline one.
 */
export async function accessibilityViolations(page: Page): Promise<string[]> {
  await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async () => {
    const axe = (
      window as unknown as { axe: { run(): Promise<{ violations: { id: string; impact: string; nodes: { target: string[] }[] }[] }> } }
    ).axe;
    return (await axe.run()).violations;
  });
  return violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map((violation) => `${violation.id}: ${violation.nodes.map((node) => node.target.join(' ')).join(', ')}`);
}
