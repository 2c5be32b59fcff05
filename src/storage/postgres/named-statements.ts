/**
 * The statement texts Keyward runs on every verification, which PostgreSQL should parse and plan once per connection
 * rather than on every call. node-postgres sends a statement without a name through the unnamed statement, which
 * PostgreSQL parses and plans anew each time: for the verify lookup (storage/sql/keys.ts, five correlated
 * subqueries) planning is most of its cost (bench/RESULTS.md, "Round 3"). A text registered here is sent under a
 * name of its own; node-postgres prepares it on a connection the first time that connection runs it and only binds
 * it after that. PostgreSQL plans it again by itself when the tables it reads change.
 *
 * Registration is explicit and bounded by the code (a handful of fixed texts), so a connection never holds more
 * prepared statements than that, whatever users send.
 */
export class NamedStatements {
  private readonly names = new Map<string, string>();

  /** Keeps `text` prepared on every connection from now on; registering it again changes nothing. */
  keep(text: string): void {
    if (!this.names.has(text)) this.names.set(text, `keyward_${this.names.size + 1}`);
  }

  /** The name `text` is sent under, or undefined for a statement sent unnamed. */
  nameOf(text: string): string | undefined {
    return this.names.get(text);
  }
}
