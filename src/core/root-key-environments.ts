/**
 * The environments a root key can be labelled with (docs/decisions/0020-root-key-rotation-and-environments.md).
 * The label is also a segment of the key itself (`kw_root_prod_...`), so a production key pasted into a test
 * configuration shows what it is without a lookup. Base58 has no `_`, so the segment cannot be part of a body.
 */
export const ROOT_KEY_ENVIRONMENTS = ['dev', 'staging', 'prod'] as const;

export type RootKeyEnvironment = (typeof ROOT_KEY_ENVIRONMENTS)[number];

const ROOT_KEY_PREFIX = 'kw_root';

/** The prefix of a new root key: `kw_root`, or `kw_root_<environment>` for a labelled one. */
export const rootKeyPrefix = (environment: RootKeyEnvironment | null): string =>
  environment === null ? ROOT_KEY_PREFIX : `${ROOT_KEY_PREFIX}_${environment}`;
