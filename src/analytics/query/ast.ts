/**
 * A node of node-sql-parser's syntax tree (src/analytics/query/parse.ts). Its shapes vary by node type and are read
 * field by field, each checked before use, by translate.ts; nothing of a node reaches SQL text unchecked.
 */
// biome-ignore lint/suspicious/noExplicitAny: the parser's tree is untyped JSON, checked where each field is read
export type SqlNode = { readonly [field: string]: any };
