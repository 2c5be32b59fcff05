import { useId } from 'react';

export interface PickerOption {
  /** What is sent when ticked (a slug, a root-key permission). */
  value: string;
  /** A line under it for people (a name, what the permission allows). */
  description?: string;
}

export interface PickerGroup {
  legend: string;
  options: readonly PickerOption[];
}

/**
 * Checkboxes over permissions, a fieldset per group (each group's legend names it to screen readers), each box labelled
 * by its value in code type with its description linked to it. The parent holds the ticked values: the role panel and
 * the root-key form send them as they are.
 */
export function PermissionPicker({
  groups,
  selected,
  onChange,
  disabled = false,
}: {
  groups: readonly PickerGroup[];
  selected: ReadonlySet<string>;
  onChange(next: Set<string>): void;
  disabled?: boolean;
}) {
  const ids = useId();
  const toggle = (value: string, ticked: boolean) => {
    const next = new Set(selected);
    if (ticked) next.add(value);
    else next.delete(value);
    onChange(next);
  };
  return (
    <div className="picker">
      {groups.map((group, g) => (
        <fieldset key={group.legend}>
          <legend>{group.legend}</legend>
          <ul className="picker-options">
            {group.options.map((option, o) => {
              const id = `${ids}-${g}-${o}`;
              return (
                <li key={option.value} className="check">
                  <input
                    id={id}
                    type="checkbox"
                    disabled={disabled}
                    checked={selected.has(option.value)}
                    aria-describedby={option.description ? `${id}-description` : undefined}
                    onChange={(event) => toggle(option.value, event.target.checked)}
                  />
                  <span>
                    <label htmlFor={id}>
                      <code>{option.value}</code>
                    </label>
                    {option.description && (
                      <span className="hint picker-description" id={`${id}-description`}>
                        {option.description}
                      </span>
                    )}
                  </span>
                </li>
              );
            })}
          </ul>
        </fieldset>
      ))}
    </div>
  );
}
