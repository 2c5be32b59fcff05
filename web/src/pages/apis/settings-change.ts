import type { ApiSettings, ApiSettingsChange, KeyFormat, LeakPolicy } from '../../api/api-settings';
import { wholeNumber } from '../form-numbers';

/** The settings form's values as typed: the whitelist one entry a line, the defaults as text (empty: none). */
export interface SettingsForm {
  deleteProtection: boolean;
  storeEncryptedKeys: boolean;
  ipWhitelist: string;
  defaultPrefix: string;
  defaultByteLength: string;
  keyFormat: KeyFormat;
  leakPolicy: LeakPolicy;
}

export const formOf = (settings: ApiSettings): SettingsForm => ({
  deleteProtection: settings.deleteProtection,
  storeEncryptedKeys: settings.storeEncryptedKeys,
  ipWhitelist: (settings.ipWhitelist ?? []).join('\n'),
  defaultPrefix: settings.defaultPrefix ?? '',
  defaultByteLength: settings.defaultByteLength === undefined ? '' : String(settings.defaultByteLength),
  keyFormat: settings.keyFormat,
  leakPolicy: settings.leakPolicy ?? 'disable',
});

/** The whitelist's entries: one a line, spaces around them and blank lines dropped. */
const entriesOf = (text: string) =>
  text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');

/**
 * Only the fields that differ from what the server holds, as apiSettings.updateSettings takes them (an emptied field
 * is null, which removes it), so a save never rewrites what the operator did not touch; a byte length that is not a
 * whole number is the one thing refused here (as text), the server checks everything else and words its own refusal.
 */
export function settingsChange(saved: ApiSettings, form: SettingsForm): ApiSettingsChange | string {
  const change: ApiSettingsChange = {};
  if (form.deleteProtection !== saved.deleteProtection) change.deleteProtection = form.deleteProtection;
  if (form.storeEncryptedKeys !== saved.storeEncryptedKeys) change.storeEncryptedKeys = form.storeEncryptedKeys;
  const entries = entriesOf(form.ipWhitelist);
  if (entries.join('\n') !== (saved.ipWhitelist ?? []).join('\n')) change.ipWhitelist = entries.length > 0 ? entries : null;
  const prefix = form.defaultPrefix.trim();
  if (prefix !== (saved.defaultPrefix ?? '')) change.defaultPrefix = prefix === '' ? null : prefix;
  const byteLengthText = form.defaultByteLength.trim();
  const byteLength = byteLengthText === '' ? null : wholeNumber(byteLengthText);
  if (byteLength !== null && Number.isNaN(byteLength)) return 'Default byte length must be a whole number of bytes.';
  if (byteLength !== (saved.defaultByteLength ?? null)) change.defaultByteLength = byteLength;
  if (form.keyFormat !== saved.keyFormat) change.keyFormat = form.keyFormat;
  if (form.leakPolicy !== (saved.leakPolicy ?? 'disable')) change.leakPolicy = form.leakPolicy;
  return change;
}
