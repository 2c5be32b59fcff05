import { useId, useState } from 'react';
import { type ApiSettings, apiSettings } from '../../api/api-settings';
import { Field } from '../../components/Field';
import { FormFooter } from '../../components/FormFooter';
import { useFormSubmit } from '../form-submit';
import { formOf, type SettingsForm, settingsChange } from './settings-change';

/**
 * apiSettings.updateSettings's form, starting from what the server holds; a save sends only the fields changed since
 * (settings-change.ts) and the form then shows the server's answer. Refusals are shown as the server words them.
 */
export function ApiSettingsForm({ settings, onSaved }: { settings: ApiSettings; onSaved(saved: ApiSettings): void }) {
  const ids = useId();
  const [form, setForm] = useState<SettingsForm>(() => formOf(settings));
  const set = <K extends keyof SettingsForm>(field: K, value: SettingsForm[K]) => setForm((before) => ({ ...before, [field]: value }));

  const submit = useFormSubmit(async () => {
    const change = settingsChange(settings, form);
    if (typeof change === 'string') throw new Error(change);
    if (Object.keys(change).length === 0) return 'Nothing changed.';
    const saved = await apiSettings.update(settings.apiId, change);
    setForm(formOf(saved));
    onSaved(saved);
    return 'Settings saved.';
  });

  return (
    <form onSubmit={submit.onSubmit}>
      <div className="check">
        <input
          id={`${ids}-protection`}
          type="checkbox"
          aria-describedby={`${ids}-protection-hint`}
          checked={form.deleteProtection}
          onChange={(e) => set('deleteProtection', e.target.checked)}
        />
        <label htmlFor={`${ids}-protection`}>Delete protection</label>
      </div>
      <p className="hint" id={`${ids}-protection-hint`}>
        While on, deleting this API is refused until it is turned off again.
      </p>

      <div className="check">
        <input
          id={`${ids}-encrypted`}
          type="checkbox"
          aria-describedby={`${ids}-encrypted-hint`}
          checked={form.storeEncryptedKeys}
          onChange={(e) => set('storeEncryptedKeys', e.target.checked)}
        />
        <label htmlFor={`${ids}-encrypted`}>Store keys encrypted (recoverable keys)</label>
      </div>
      <p className="hint" id={`${ids}-encrypted-hint`}>
        Lets keys be created with <code>recoverable: true</code>: stored encrypted, so they can be read back later with{' '}
        <code>decrypt: true</code>. The server needs a vault for that (<code>KEYWARD_MASTER_KEYS</code> or <code>KEYWARD_VAULT_URL</code>);
        without one, turning this on is refused with the server's explanation.
      </p>

      <div className="field">
        <label htmlFor={`${ids}-whitelist`}>IP whitelist</label>
        <textarea
          id={`${ids}-whitelist`}
          aria-describedby={`${ids}-whitelist-hint`}
          rows={4}
          spellCheck={false}
          autoCapitalize="off"
          value={form.ipWhitelist}
          onChange={(e) => set('ipWhitelist', e.target.value)}
        />
        <p className="hint" id={`${ids}-whitelist-hint`}>
          One IPv4 or IPv6 address or CIDR range a line (up to 100), such as 203.0.113.0/24. When set, verifying this API's keys from any
          other address answers FORBIDDEN. Empty: no whitelist.
        </p>
      </div>

      <Field
        label="Default prefix"
        hint="Given to new keys created without a prefix, before an underscore (up to 16 letters, digits or _). Empty: none."
        autoCapitalize="off"
        spellCheck={false}
        value={form.defaultPrefix}
        onChange={(e) => set('defaultPrefix', e.target.value)}
      />
      <Field
        label="Default byte length"
        hint="Random bytes of new keys created without a byte length (16 to 255). Empty: 16."
        inputMode="numeric"
        value={form.defaultByteLength}
        onChange={(e) => set('defaultByteLength', e.target.value)}
      />

      <div className="field">
        <label htmlFor={`${ids}-format`}>Key format</label>
        <select
          id={`${ids}-format`}
          aria-describedby={`${ids}-format-hint`}
          value={form.keyFormat}
          onChange={(e) => set('keyFormat', e.target.value === 'base58' ? 'base58' : 'checksummed')}
        >
          <option value="checksummed">Checksummed (recognisable by secret scanners)</option>
          <option value="base58">Base58 (Unkey's format)</option>
        </select>
        <p className="hint" id={`${ids}-format-hint`}>
          How new keys are made. Checksummed keys look like <code>prefix_kw0…</code> and end in a checksum, so secret scanners find them and
          mistyped keys are refused without a database lookup. Keys already issued keep verifying whichever you choose.
        </p>
      </div>

      <div className="field">
        <label htmlFor={`${ids}-leak`}>Leak policy</label>
        <select
          id={`${ids}-leak`}
          aria-describedby={`${ids}-leak-hint`}
          value={form.leakPolicy}
          onChange={(e) => set('leakPolicy', e.target.value === 'report' ? 'report' : 'disable')}
        >
          <option value="disable">Disable the key</option>
          <option value="report">Only report it</option>
        </select>
        <p className="hint" id={`${ids}-leak-hint`}>
          What a leak report naming one of this API's keys does (a secret scanner found it in public): disable the key at once, or only
          record the leak on the key and in the audit log.
        </p>
      </div>

      <FormFooter error={submit.error} done={submit.done} busy={submit.busy} submitLabel="Save settings" busyLabel="Saving…" />
    </form>
  );
}
