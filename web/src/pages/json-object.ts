/**
 * Meta as typed into a form, read as the JSON object the API takes; a message instead when it is not one, so nothing is
 * sent that the operator did not mean. Used by the create-key form and the identity forms.
 */
export function parseJsonObject(text: string): Record<string, unknown> | string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return 'Meta is not valid JSON.';
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return 'Meta must be a JSON object, such as {"plan": "pro"}.';
  return value as Record<string, unknown>;
}
