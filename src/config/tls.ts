import { existsSync } from 'node:fs';
import { file } from './parse.js';
import type { Config } from './types.js';

/** The API's HTTPS settings, apart from loadConfig (config.ts): both files or neither, and each must exist. */
export function tlsConfig(env: NodeJS.ProcessEnv, problems: string[]): Pick<Config, 'tlsCertFile' | 'tlsKeyFile'> {
  const tlsCertFile = file(env, 'KEYWARD_TLS_CERT');
  const tlsKeyFile = file(env, 'KEYWARD_TLS_KEY');
  if ((tlsCertFile === null) !== (tlsKeyFile === null)) problems.push('Set both KEYWARD_TLS_CERT and KEYWARD_TLS_KEY, or neither');
  for (const [name, file] of [
    ['KEYWARD_TLS_CERT', tlsCertFile],
    ['KEYWARD_TLS_KEY', tlsKeyFile],
  ] as const) {
    if (file !== null && !existsSync(file)) problems.push(`${name} names a file that does not exist: ${file}`);
  }
  return { tlsCertFile, tlsKeyFile };
}
