import type { ApiSettings } from '../../api/api-settings';

/** The settings as a read-only operator sees them: values, no controls. */
export function ApiSettingsValues({ settings }: { settings: ApiSettings }) {
  const onOff = (on: boolean) => (on ? 'On' : 'Off');
  return (
    <section aria-label="Current settings">
      <dl className="details">
        <dt>Delete protection</dt>
        <dd>{onOff(settings.deleteProtection)}</dd>
        <dt>Store keys encrypted (recoverable keys)</dt>
        <dd>{onOff(settings.storeEncryptedKeys)}</dd>
        <dt>IP whitelist</dt>
        <dd>
          {settings.ipWhitelist ? (
            <ul>
              {settings.ipWhitelist.map((entry) => (
                <li key={entry}>
                  <code>{entry}</code>
                </li>
              ))}
            </ul>
          ) : (
            'None: keys verify from any address'
          )}
        </dd>
        <dt>Default prefix</dt>
        <dd>{settings.defaultPrefix ? <code>{settings.defaultPrefix}</code> : 'None'}</dd>
        <dt>Default byte length</dt>
        <dd>{settings.defaultByteLength ?? '16 (unset)'}</dd>
        <dt>Key format</dt>
        <dd>{settings.keyFormat === 'checksummed' ? 'Checksummed' : "Base58 (Unkey's format)"}</dd>
        <dt>Leak policy</dt>
        <dd>{settings.leakPolicy === 'report' ? 'Only report it' : 'Disable the key'}</dd>
      </dl>
    </section>
  );
}
