import { ipEntryProblem } from '../core/ip-whitelist.js';
import { SETTINGS } from '../settings.js';
import { text } from './parse.js';

/** Apart from loadConfig (config.ts): the one setting that is a boolean or a list of addresses, each checked. */

/** KEYWARD_TRUST_PROXY: true/false/1/0, or a comma-separated list of IPv4/IPv6 addresses and CIDR ranges. */
export function trustProxySetting(env: NodeJS.ProcessEnv, problems: string[]): boolean | readonly string[] {
  const raw = text(env, 'KEYWARD_TRUST_PROXY');
  const lower = raw.toLowerCase();
  if (lower === '') return SETTINGS.KEYWARD_TRUST_PROXY.default;
  if (lower === 'true' || lower === '1') return true;
  if (lower === 'false' || lower === '0') return false;
  const entries = raw.split(',').map((entry) => entry.trim());
  const before = problems.length;
  for (const entry of entries) {
    const problem = entry === '' ? 'an empty entry' : ipEntryProblem(entry);
    if (problem !== undefined)
      problems.push(`KEYWARD_TRUST_PROXY must be true, false or a comma-separated list of proxy addresses/CIDR ranges: ${problem}`);
  }
  return problems.length === before ? Object.freeze(entries) : SETTINGS.KEYWARD_TRUST_PROXY.default;
}
