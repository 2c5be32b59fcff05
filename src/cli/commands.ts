import { MAX_WORKERS } from '../config.js';
import { MIGRATION_ALGORITHMS } from '../core/key-migration.js';
import { OPERATOR_ROLES } from '../core/operator-roles.js';
import type { CliCommand } from './command.js';

/**
 * Every `keyward` command as its help describes it, and where its code is: each command's module (./start.js, ...)
 * is imported only when that command runs, so `keyward --help` or `keyward root-key create` does not load the server,
 * the storage engines and every service first (about a second of CPU a call, before this split).
 */

/** The settings that say where the files backup copies and restore replaces are: both commands read them. */
export const BACKED_UP_STORE_SETTINGS = [
  'KEYWARD_DATA_DIR',
  'KEYWARD_DATABASE_URL',
  'KEYWARD_VAULT_DIR',
  'KEYWARD_VAULT_DATABASE_URL',
  'KEYWARD_VAULT_URL',
  'KEYWARD_ANALYTICS_DATABASE_URL',
] as const;

export const startCli: CliCommand = {
  name: 'start',
  forms: [
    {
      summary:
        'Serve the HTTP API. Applies pending migrations first. On the very first start of an empty store it creates a ' +
        'workspace and prints its root key, once.',
    },
  ],
  details:
    'Stops cleanly on SIGINT or SIGTERM: readiness fails at once, then (after KEYWARD_SHUTDOWN_DELAY_MS) requests in flight are ' +
    'answered within KEYWARD_SHUTDOWN_GRACE_MS, buffers flushed, exit 0; past the grace period, 1. A second signal exits at once. ' +
    'With --workers N (or KEYWARD_WORKERS), N processes serve one port, sharing the database, their caches kept coherent ' +
    'and rate limits exact; a signal stops them all.',
  options: [
    { option: 'workers', value: '<n>', description: `Processes serving the port, 1 to ${MAX_WORKERS} (default KEYWARD_WORKERS, 1).` },
  ],
  run: async (config, args) => (await import('./start.js')).startCommand(config, args),
};

export const migrateCli: CliCommand = {
  name: 'migrate',
  forms: [{ summary: 'Apply pending database migrations and exit.' }],
  details: '`keyward start` applies them too; this runs them alone, for example before a rolling upgrade.',
  settings: ['KEYWARD_DATA_DIR', 'KEYWARD_DATABASE_URL'],
  run: async (config) => (await import('./migrate.js')).migrateCommand(config),
};

export const bootstrapCli: CliCommand = {
  name: 'bootstrap',
  forms: [{ args: '[--json]', summary: 'Create a new workspace with a root key holding every permission. The key is printed once.' }],
  options: [{ option: 'json', description: 'Print exactly {"workspaceId": "...", "rootKey": "..."} on stdout.' }],
  settings: ['KEYWARD_DATA_DIR', 'KEYWARD_DATABASE_URL'],
  run: async (config, args) => (await import('./bootstrap.js')).bootstrapCommand(config, args),
};

export const workspacesCli: CliCommand = {
  name: 'workspaces',
  forms: [
    {
      args: 'list [--json]',
      summary: 'List the workspaces: id, name, created, enabled, own API rate limit, root keys (counted, never shown).',
    },
  ],
  details: 'A root key lost before it was stored is not shown again: make a new one with `keyward root-key create --workspace <id>`.',
  positionals: 1,
  options: [
    {
      option: 'json',
      description: 'Print an array of {"id", "name", "enabled", "createdAt" (ms), "apiRateLimit" (null: the default), "rootKeys"}.',
    },
  ],
  settings: ['KEYWARD_DATA_DIR', 'KEYWARD_DATABASE_URL'],
  run: async (config, args) => (await import('./workspaces.js')).workspacesCommand(config, args),
};

export const workspaceLimitCli: CliCommand = {
  name: 'workspace-limit',
  forms: [
    {
      args: '<workspaceId> <requestsPerMinute|off>',
      summary:
        'Set one workspace\'s API rate limit (requests per minute, 0 refuses every request), or "off" to fall back to ' +
        'KEYWARD_WORKSPACE_RATE_LIMIT. Audited.',
    },
  ],
  details:
    'Servers sharing KEYWARD_REDIS_URL drop their cached copy at once; without Redis they pick the change up from the ' +
    "database's change log within KEYWARD_INVALIDATION_POLL_MS.",
  positionals: 2,
  options: [{ option: 'json', description: 'Print {"workspaceId", "apiRateLimit", "announced"} as one JSON object.' }],
  settings: ['KEYWARD_DATA_DIR', 'KEYWARD_DATABASE_URL', 'KEYWARD_REDIS_URL'],
  run: async (config, args) => (await import('./workspace-limit.js')).workspaceLimitCommand(config, args),
};

export const rootKeyCli: CliCommand = {
  name: 'root-key',
  forms: [
    {
      args: 'create --workspace <id> --name <name> --permission <p> [--permission <p> ...] [--environment dev|staging|prod] [--json]',
      summary:
        'Create a root key holding exactly these permissions (each one Keyward knows: see rootKeys.listPermissions). ' +
        'Prints the key once; with --json exactly {"rootKeyId": "...", "rootKey": "..."}. Audited.',
    },
    {
      args: 'reroll <rootKeyId> --grace 0|<n>s|<n>m|<n>h|<n>d [--json]',
      summary:
        'Rotate a root key: a new secret with the same name, permissions, expiry and environment, printed once (--json: ' +
        '{"rootKeyId", "rootKey", "oldKeyRetiresAt"}); the old secret works for exactly the grace period (at most 30d), ' +
        'then is refused like an unknown key. Audited.',
    },
    {
      args: 'list --workspace <id> [--json]',
      summary: "List a workspace's root keys: id, start, name, expiry, permissions (never a secret).",
    },
    { args: 'revoke <rootKeyId>', summary: 'Revoke a root key, audited. Servers sharing KEYWARD_REDIS_URL refuse it at once.' },
  ],
  details: "These act as Keyward itself (audited as the system actor `cli`) with the operator's authority over the workspace.",
  // A subcommand, and for `revoke` and `reroll` an id; the command checks which.
  positionals: [1, 2],
  options: [
    { option: 'workspace', value: '<id>', description: 'The workspace (create, list).' },
    { option: 'name', value: '<name>', description: "The new root key's name (create)." },
    { option: 'permission', value: '<p>', description: 'A permission the new root key holds; repeat it for each (create).' },
    {
      option: 'environment',
      value: 'dev|staging|prod',
      description: 'Label the new root key; the label is also in the key (kw_root_prod_...) (create).',
    },
    { option: 'grace', value: '0|<n>s|<n>m|<n>h|<n>d', description: 'How long the old secret keeps working (reroll).' },
    { option: 'json', description: 'Print JSON: {"rootKeyId", "rootKey"} (create), an array of root keys (list).' },
  ],
  settings: ['KEYWARD_DATA_DIR', 'KEYWARD_DATABASE_URL', 'KEYWARD_REDIS_URL'],
  run: async (config, args) => (await import('./root-key.js')).rootKeyCommand(config, args),
};

export const operatorCli: CliCommand = {
  name: 'operator',
  forms: [
    {
      args: 'create --email <email> --workspace <id> --role <admin|member|read_only>',
      summary:
        'Create a dashboard operator in a workspace (scripted set-ups). The password is read from standard input (or asked for ' +
        'on a terminal); the operator enrols its authenticator at its first sign-in. Audited.',
    },
    {
      args: 'reset-mfa --email <email>',
      summary: "Remove an operator's authenticator and recovery codes and end its sessions: it enrols again at its next sign-in. Audited.",
    },
  ],
  details: 'These act as Keyward itself (audited as the system actor `cli`). Passwords are 12 to 256 characters.',
  positionals: 1,
  options: [
    { option: 'email', value: '<email>', description: "The operator's email (compared case-insensitively)." },
    { option: 'workspace', value: '<id>', description: 'The workspace the new operator belongs to (create).' },
    { option: 'role', value: '<role>', description: `One of ${OPERATOR_ROLES.join(', ')} (create).` },
  ],
  settings: ['KEYWARD_DATA_DIR', 'KEYWARD_DATABASE_URL', 'KEYWARD_PUBLIC_URL'],
  run: async (config, args) => (await import('./operator.js')).operatorCommand(config, args),
};

export const vaultCli: CliCommand = {
  name: 'vault',
  usage: 'keyward vault <init|rotate|serve>',
  forms: [
    {
      args: 'init',
      summary:
        'Print a new master key (the next version) alone on the last line of stdout, exactly as a KEYWARD_MASTER_KEYS ' +
        'entry; what to do next goes to stderr.',
    },
    {
      args: 'rotate',
      summary:
        'Re-wrap every data key under the newest master key (progress on stderr) while servers keep serving; ' +
        'afterwards older versions can leave KEYWARD_MASTER_KEYS. Ctrl-Z pauses it between two batches, where it holds no lock.',
    },
    {
      args: 'serve',
      summary:
        'Run the vault as its own process (KEYWARD_VAULT_HOST/PORT, bearer token KEYWARD_VAULT_TOKEN, HTTPS with ' +
        'KEYWARD_VAULT_TLS_CERT/KEY); API nodes then use it through KEYWARD_VAULT_URL and hold no master key.',
    },
  ],
  details: 'Run them where the master keys and the vault store are: not on a node that sets KEYWARD_VAULT_URL.',
  positionals: 1,
  settings: [
    'KEYWARD_MASTER_KEYS',
    'KEYWARD_VAULT_DIR',
    'KEYWARD_VAULT_DATABASE_URL',
    'KEYWARD_VAULT_TOKEN',
    'KEYWARD_VAULT_HOST',
    'KEYWARD_VAULT_PORT',
    'KEYWARD_VAULT_TLS_CERT',
    'KEYWARD_VAULT_TLS_KEY',
    'KEYWARD_VAULT_DEK_MAX_ENCRYPTIONS',
    'KEYWARD_LOG_LEVEL',
  ],
  run: async (config, args) => (await import('./vault.js')).vaultCommand(config, args),
};

export const importCli: CliCommand = {
  name: 'import',
  forms: [
    {
      args: `FILE --api <apiId> --workspace <workspaceId> [--algorithm ${MIGRATION_ALGORITHMS.join('|')}] [--migration <id>] [--json]`,
      summary:
        'Import keys by hash from a JSON array or a CSV export (header row: hash, name, externalId, meta, expires, enabled, ' +
        'remaining, ...) into an API, in batches, audited. Progress on stderr, a summary on stdout; running it again imports ' +
        'nothing new. Exits 1 if any record could not be imported.',
    },
  ],
  positionals: 1,
  options: [
    { option: 'api', value: '<apiId>', description: 'The API the keys join.' },
    { option: 'workspace', value: '<workspaceId>', description: 'The workspace of that API.' },
    {
      option: 'algorithm',
      value: '<name>',
      description: `How the file's hashes were made: ${MIGRATION_ALGORITHMS.join(', ')} (default sha256_base64).`,
    },
    {
      option: 'migration',
      value: '<id>',
      description: "The key migration to import into; by default the workspace's oldest for the algorithm, created the first time.",
    },
    { option: 'json', description: 'Print the summary as one JSON object.' },
  ],
  settings: ['KEYWARD_DATA_DIR', 'KEYWARD_DATABASE_URL', 'KEYWARD_REDIS_URL'],
  run: async (config, args) => (await import('./import.js')).importCommand(config, args),
};

export const certCli: CliCommand = {
  name: 'cert',
  forms: [
    {
      args: '--self-signed [<dir>] [--json]',
      summary:
        'Write a self-signed development certificate and its key (0600) for localhost, 127.0.0.1, ::1 and KEYWARD_HOST ' +
        'into <dir> (default <data dir>/tls), and print how to start Keyward over HTTPS with them.',
    },
  ],
  details:
    'For development and tests only: clients must be given the certificate to trust it. Existing files are never ' +
    'overwritten. In production use a certificate from a CA your clients already trust.',
  positionals: [0, 1],
  options: [
    { option: 'self-signed', description: 'Make the certificate here, signed by its own key (required).' },
    { option: 'json', description: 'Print {"cert", "key", "hosts", "notAfter"} as one JSON object.' },
  ],
  settings: ['KEYWARD_DATA_DIR', 'KEYWARD_HOST', 'KEYWARD_PORT'],
  run: async (config, args) => (await import('./cert.js')).certCommand(config, args),
};

export const auditCli: CliCommand = {
  name: 'audit',
  forms: [
    {
      args: 'verify [--workspace <id>] [--json]',
      summary:
        "Check every workspace's audit chain (or one's): recompute each record's hash and name the first record " +
        'changed, deleted or inserted past Keyward. Exit code 1 when a chain is broken.',
    },
  ],
  details:
    "It prints the hash of each chain's last record: keep it elsewhere, and a later run that prints another hash for " +
    'the same record count means the chain was rewritten as a whole (docs/architecture.md, "Audit chain").',
  positionals: 1,
  options: [
    { option: 'workspace', value: '<id>', description: 'Check this workspace only.' },
    { option: 'json', description: 'Print an array of {"workspaceId", "checked", "headHash", "broken"?: {"recordId", "reason"}}.' },
  ],
  settings: ['KEYWARD_DATA_DIR', 'KEYWARD_DATABASE_URL'],
  run: async (config, args) => (await import('./audit.js')).auditCommand(config, args),
};

export const usageCli: CliCommand = {
  name: 'usage',
  forms: [
    {
      args: '--workspace <id> (--api <id> | --key <id> | --identity <id>) [--since 7d|24h|90m] [--interval minute|hour|day|month] [--json]',
      summary:
        'Print verifications per bucket (a table and a bar chart of totals) for an API, a key or an identity, from the analytics rollups.',
    },
  ],
  details:
    'It reads the same rollups, with the same SQL, as analytics.getVerificationTimeseries, acting as the operator: no ' +
    'root key, but the API, key or identity must belong to the workspace (else exit code 1). Buckets start in UTC.',
  options: [
    { option: 'workspace', value: '<id>', description: 'The workspace the API, key or identity belongs to.' },
    { option: 'api', value: '<id>', description: "Every key of this API's verifications." },
    { option: 'key', value: '<id>', description: "This key's verifications." },
    { option: 'identity', value: '<id>', description: "This identity's verifications (its id or its externalId)." },
    { option: 'since', value: '<n>m|<n>h|<n>d', description: 'How far back from now (default 7d).' },
    {
      option: 'interval',
      value: 'minute|hour|day|month',
      description: 'The bucket size (default: hour when --since is at most 24h, else day).',
    },
    {
      option: 'json',
      description:
        'Print one JSON object per bucket and line: {"time" (ms), "total", "valid", "notFound", ..., "spentCredits", "latencyAvg"}.',
    },
  ],
  settings: ['KEYWARD_DATA_DIR', 'KEYWARD_DATABASE_URL', 'KEYWARD_ANALYTICS_DATABASE_URL', 'KEYWARD_ANALYTICS_QUERY_TIMEOUT_MS'],
  run: async (config, args) => (await import('./usage.js')).usageCommand(config, args),
};

export const backupCli: CliCommand = {
  name: 'backup',
  forms: [
    {
      args: '<file>',
      summary:
        'Copy the SQLite database to <file>, the local vault store, if any, to <file>.vault, and the analytics file ' +
        'to <file>.analytics (all 0600, never replacing a file) while servers keep serving and writing. Not for ' +
        'PostgreSQL: use its own tools.',
    },
  ],
  details:
    'Send <file>.vault somewhere other than <file>, and keep the master keys out of both (docs/operations.md, "Backups"). ' +
    '`keyward restore <file>` brings them back.',
  positionals: 1,
  settings: BACKED_UP_STORE_SETTINGS,
  run: async (config, args) => (await import('./backup.js')).backupCommand(config, args.positionals[0]!),
};

export const restoreCli: CliCommand = {
  name: 'restore',
  forms: [
    {
      args: '<file> [--force]',
      summary:
        'Restore a `keyward backup` into KEYWARD_DATABASE_URL (<file>.vault, when present, into the local vault ' +
        'store, and <file>.analytics into the analytics file). Refuses while a process has them open, and over ' +
        'existing data unless --force.',
    },
  ],
  details: 'Stop the servers first. Start them again with the master keys the vault store uses (docs/operations.md, "Backups").',
  positionals: 1,
  options: [{ option: 'force', description: 'Replace a database or vault store that already holds data.' }],
  settings: BACKED_UP_STORE_SETTINGS,
  run: async (config, args) => (await import('./restore.js')).restoreCommand(config, args.positionals[0]!, args.force === true),
};
