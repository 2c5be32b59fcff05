import { Algorithm, hash, verify } from '@node-rs/argon2';
import { randomBytes } from 'node:crypto';
import { badInput } from '../../core/errors.js';

/**
 * Operator passwords: argon2id with OWASP's minimum parameters (19 MiB, 2 passes, 1 lane), through @node-rs/argon2
 * (prebuilt, no compiler). The PHC string it returns carries the parameters, so stronger ones later still verify
 * today's hashes.
 */
const OPTIONS = { algorithm: Algorithm.Argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export const PASSWORD_MIN = 12;
export const PASSWORD_MAX = 256;

export function hashPassword(password: string): Promise<string> {
  return hash(password, OPTIONS);
}

/**
 * A hash of a random password, made once: checking a password against it costs what checking a real one costs, so
 * an unknown email and a locked account answer after the same time as a wrong password.
 */
let decoy: Promise<string> | undefined;
const decoyHash = () => (decoy ??= hashPassword(randomBytes(32).toString('base64')));

/** Whether `password` matches `passwordHash`; with no hash (unknown operator), the decoy is checked and false answered. */
export async function checkPassword(passwordHash: string | undefined, password: string): Promise<boolean> {
  const target = passwordHash ?? (await decoyHash());
  const matches = await verify(target, password).catch(() => false);
  return passwordHash !== undefined && matches;
}

/** The policy (decision 0015): 12 to 256 characters, anything else is the holder's choice. A 400 otherwise. */
export function requirePasswordPolicy(password: string, location = 'body.password'): void {
  const length = [...password].length;
  if (length < PASSWORD_MIN || length > PASSWORD_MAX) {
    throw badInput(`The password must be ${PASSWORD_MIN} to ${PASSWORD_MAX} characters long.`, [
      { location, message: `must be ${PASSWORD_MIN} to ${PASSWORD_MAX} characters long` },
    ]);
  }
}
