/**
 * Waits until `condition` holds, checking every `everyMs`, and fails after `deadlineMs` saying what it waited for.
 * For outcomes that arrive from elsewhere (another process, a timer): the deadline is there to end a test that would
 * otherwise hang, not to measure speed, so it is generous; how fast things happen is the benchmark's business.
 */
export async function until(
  condition: () => boolean | Promise<boolean>,
  what: string,
  { deadlineMs = 10_000, everyMs = 10 } = {},
): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`not within ${deadlineMs} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
