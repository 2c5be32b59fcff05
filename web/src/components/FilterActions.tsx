/** The buttons under a filter form: "Apply filters" submits it; "Clear filters" calls `onClear`, which empties and applies it. */
export function FilterActions({ onClear }: { onClear(): void }) {
  return (
    <div className="actions">
      <button type="submit">Apply filters</button>
      <button type="button" className="secondary" onClick={onClear}>
        Clear filters
      </button>
    </div>
  );
}
