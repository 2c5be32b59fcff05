import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isWildcard, matchesPattern, resolveOverride } from './override-match.js';

describe('matchesPattern', () => {
  it('treats `*` as any run of characters, including none, anchored at both ends', () => {
    expect(matchesPattern('premium_*', 'premium_')).toBe(true);
    expect(matchesPattern('premium_*', 'premium_user1')).toBe(true);
    expect(matchesPattern('premium_*', 'xpremium_1')).toBe(false);
    expect(matchesPattern('*@example.com', 'ann@example.com')).toBe(true);
    expect(matchesPattern('*@example.com', 'ann@example.com.evil')).toBe(false);
    expect(matchesPattern('a*b*c', 'abc')).toBe(true);
    expect(matchesPattern('a*b*c', 'a-b-b-c')).toBe(true);
    expect(matchesPattern('a*b*c', 'a-c-b')).toBe(false);
    expect(matchesPattern('*', '')).toBe(true);
    expect(matchesPattern('**', 'anything')).toBe(true);
  });

  it('does not let the head and the tail share characters', () => {
    expect(matchesPattern('a*a', 'a')).toBe(false);
    expect(matchesPattern('a*a', 'aa')).toBe(true);
    expect(matchesPattern('ab*b*bc', 'abbc')).toBe(false);
    expect(matchesPattern('ab*b*bc', 'abbbc')).toBe(true);
  });

  it('takes every other character literally, regex metacharacters included', () => {
    expect(matchesPattern('user.1', 'user.1')).toBe(true);
    expect(matchesPattern('user.1', 'userx1')).toBe(false);
    expect(matchesPattern('a+b*', 'a+b(c)')).toBe(true);
    expect(matchesPattern('[x]*', 'x')).toBe(false);
    expect(matchesPattern('plain', 'plain2')).toBe(false);
  });

  // No stopwatch: on this input a backtracking matcher takes exponential time and a linear one none to speak of. It
  // runs in a child process with a generous deadline, because a synchronous loop that never ends would hang this one
  // (a test timeout cannot interrupt it) instead of failing.
  it('ends on patterns that make a backtracking regex explode', { timeout: 60_000 }, async () => {
    const script = `import { matchesPattern } from ${JSON.stringify(fileURLToPath(new URL('./override-match.ts', import.meta.url)))};
      const pattern = '*a'.repeat(50) + '*b';
      process.stdout.write(JSON.stringify([matchesPattern(pattern, 'a'.repeat(10_000)), matchesPattern(pattern, 'a'.repeat(10_000) + 'b')]));`;
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      timeout: 30_000,
    });
    expect(JSON.parse(stdout)).toEqual([false, true]);
  });

  it('agrees with an anchored regular expression on random inputs', () => {
    const text = fc.string({ unit: fc.constantFrom('a', 'b', '.', '*'), maxLength: 8 });
    fc.assert(
      fc.property(text, fc.string({ unit: fc.constantFrom('a', 'b', '.'), maxLength: 10 }), (pattern, identifier) => {
        const regex = new RegExp(
          `^${pattern
            .split('*')
            .map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
            .join('.*')}$`,
          's',
        );
        expect(matchesPattern(pattern, identifier)).toBe(regex.test(identifier));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('resolveOverride', () => {
  const o = (id: string, identifier: string) => ({ id, identifier });

  it('prefers the exact identifier over any earlier wildcard', () => {
    const overrides = [o('1', 'user_*'), o('2', 'user_1')];
    expect(resolveOverride(overrides, 'user_1')?.id).toBe('2');
    expect(resolveOverride(overrides, 'user_2')?.id).toBe('1');
  });

  it('takes the first matching wildcard in the order given, however specific the others are', () => {
    const overrides = [o('1', 'other_*'), o('2', '*'), o('3', 'user_*')];
    expect(resolveOverride(overrides, 'user_9')?.id).toBe('2');
    expect(resolveOverride(overrides.slice(2), 'user_9')?.id).toBe('3');
  });

  it('matches a pattern string literally as the exact step', () => {
    expect(resolveOverride([o('1', '*'), o('2', 'user_*')], 'user_*')?.id).toBe('2');
  });

  it('answers undefined when nothing matches', () => {
    expect(resolveOverride([o('1', 'user_*')], 'admin')).toBeUndefined();
    expect(resolveOverride([], 'admin')).toBeUndefined();
  });

  it('knows a wildcard by its star', () => {
    expect(isWildcard('a*')).toBe(true);
    expect(isWildcard('a')).toBe(false);
  });
});
