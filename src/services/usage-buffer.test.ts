import { describe, expect, it, vi } from 'vitest';
import { LAST_USED_RESOLUTION_MS, UsageBuffer, usageNoteFrom } from './usage-buffer.js';

/** A writer that records each batch it is given (copied: the buffer hands over its own Map). */
function fakeWriter() {
  const batches: Array<Array<[string, number]>> = [];
  const write = vi.fn(async (usage: ReadonlyMap<string, number>) => {
    batches.push([...usage]);
  });
  return { write, batches };
}

describe('UsageBuffer', () => {
  it('notes a use of a record at most once a minute, from the time it was read with; a clock gone back notes', async () => {
    const { write, batches } = fakeWriter();
    const usage = new UsageBuffer(write);
    const t = 1_800_000_000_000;
    const stored = { usageNotedAt: usageNoteFrom(t) };
    usage.note(stored, 'key_stored', t + LAST_USED_RESOLUTION_MS - 1);
    const unused = { usageNotedAt: usageNoteFrom(null) };
    usage.note(unused, 'key_new', t);
    usage.note(unused, 'key_new', t + 30_000);
    await usage.flush();
    expect(batches).toEqual([[['key_new', t]]]);

    usage.note(stored, 'key_stored', t + LAST_USED_RESOLUTION_MS);
    usage.note(unused, 'key_new', t + LAST_USED_RESOLUTION_MS);
    usage.note(unused, 'key_new', t - 5_000);
    await usage.flush();
    expect(batches[1]).toEqual([
      ['key_stored', t + LAST_USED_RESOLUTION_MS],
      ['key_new', t - 5_000],
    ]);
    expect(unused.usageNotedAt).toBe(t - 5_000);
  });

  it('keeps the latest time per id and writes them in one batch; an empty buffer writes nothing', async () => {
    const { write, batches } = fakeWriter();
    const usage = new UsageBuffer(write);
    await usage.flush();
    expect(write).not.toHaveBeenCalled();
    usage.record('rk_a', 1);
    usage.record('rk_b', 2);
    usage.record('rk_a', 3);
    expect(write).not.toHaveBeenCalled();
    await usage.flush();
    expect(batches).toEqual([
      [
        ['rk_a', 3],
        ['rk_b', 2],
      ],
    ]);
    await usage.flush();
    expect(batches).toHaveLength(1);
  });

  it('flushes on its own once `flushAt` ids wait, one write at a time', async () => {
    const { write, batches } = fakeWriter();
    let release!: () => void;
    write.mockImplementationOnce(async (batch) => {
      batches.push([...batch]);
      await new Promise<void>((resolve) => (release = resolve));
    });
    const usage = new UsageBuffer(write, { flushAt: 2 });
    usage.record('rk_a', 1);
    expect(batches).toEqual([]);
    usage.record('rk_b', 1);
    expect(batches).toEqual([
      [
        ['rk_a', 1],
        ['rk_b', 1],
      ],
    ]);
    // While that write runs, a full buffer starts no second one; a flush waits for it, then writes the rest.
    usage.record('rk_c', 2);
    usage.record('rk_d', 2);
    expect(batches).toHaveLength(1);
    const flushed = usage.flush();
    release();
    await flushed;
    expect(batches).toEqual([
      [
        ['rk_a', 1],
        ['rk_b', 1],
      ],
      [
        ['rk_c', 2],
        ['rk_d', 2],
      ],
    ]);
  });

  it('a failed write keeps its times for the next flush, newer ones winning', async () => {
    const { write, batches } = fakeWriter();
    write.mockRejectedValueOnce(new Error('database away'));
    const usage = new UsageBuffer(write);
    usage.record('rk_a', 1);
    usage.record('rk_b', 1);
    await expect(usage.flush()).rejects.toThrow('database away');
    usage.record('rk_a', 5);
    await usage.flush();
    expect(new Map(batches[0])).toEqual(
      new Map([
        ['rk_a', 5],
        ['rk_b', 1],
      ]),
    );
  });
});
