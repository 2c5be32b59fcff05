import { useId, useState } from 'react';
import { WEBHOOK_EVENT_TYPES, webhooks } from '../../api/webhooks';
import { Field } from '../../components/Field';
import { FormFooter } from '../../components/FormFooter';
import { useFormSubmit } from '../form-submit';

/**
 * webhooks.createEndpoint's form: a URL, a description, the event types to send (none ticked: all of them). The server
 * refuses private and loopback addresses unless the installation allows them, in its own words, shown as they come. The
 * signing secret goes to onCreated, which shows it once; this form never holds it.
 */
export function CreateEndpointForm({ onCreated }: { onCreated(created: { endpointId: string; secret: string }): void }) {
  const [url, setUrl] = useState('');
  const [description, setDescription] = useState('');
  const [eventTypes, setEventTypes] = useState<Set<string>>(() => new Set());
  const ids = useId();
  const form = useFormSubmit(async () => {
    const created = await webhooks.create({
      url: url.trim(),
      ...(description.trim() ? { description: description.trim() } : {}),
      eventTypes: [...eventTypes],
    });
    setUrl('');
    setDescription('');
    setEventTypes(new Set());
    onCreated(created);
    return 'Endpoint created.';
  });
  const toggle = (type: string, on: boolean) =>
    setEventTypes((current) => {
      const next = new Set(current);
      if (on) next.add(type);
      else next.delete(type);
      return next;
    });

  return (
    <form aria-labelledby="create-endpoint" onSubmit={form.onSubmit}>
      <div className="field-row">
        <Field
          label="URL"
          type="url"
          required
          maxLength={2048}
          hint="Where each event is POSTed, signed."
          value={url}
          onChange={(e) => setUrl(e.target.value)}
        />
        <Field
          label="Description"
          maxLength={255}
          hint="What it is for, for people."
          value={description}
          onChange={(e) => setDescription(e.target.value)}
        />
      </div>
      <fieldset aria-describedby={`${ids}-types-hint`}>
        <legend>Event types</legend>
        <p className="hint" id={`${ids}-types-hint`}>
          None ticked: every type, including those added later.
        </p>
        {WEBHOOK_EVENT_TYPES.map((type) => (
          <div className="check" key={type}>
            <input id={`${ids}-${type}`} type="checkbox" checked={eventTypes.has(type)} onChange={(e) => toggle(type, e.target.checked)} />
            <label htmlFor={`${ids}-${type}`}>{type}</label>
          </div>
        ))}
      </fieldset>
      <FormFooter error={form.error} done={form.done} busy={form.busy} submitLabel="Create endpoint" />
    </form>
  );
}
