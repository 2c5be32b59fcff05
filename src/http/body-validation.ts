import AjvCompiler from '@fastify/ajv-compiler';

type ExternalSchemas = Parameters<ReturnType<typeof AjvCompiler>>[0];
/** What Fastify hands a validator factory: its `ajv` server option (custom Ajv options, plugins). */
type CompilerOptions = { customOptions?: Record<string, unknown>; plugins?: unknown[] };
type RouteDefinition = Parameters<ReturnType<ReturnType<typeof AjvCompiler>>>[0];

/** The most values (array items, object members, scalars) a failing body may hold for every problem in it to be listed. */
export const FULL_REPORT_VALUES = 2_000;

/** The validator of one schema: true or false, with Ajv's `errors` after a false, as Fastify expects. */
export interface BodyValidator {
  (data: unknown): boolean;
  errors?: unknown[] | null;
}

/**
 * Request-body validation with a bounded cost. Ajv's `allErrors` (docs/errors.md promises that `errors` lists every
 * problem at once) builds one error per wrong value, so a 10 MB array of wrong items was millions of errors, seconds of
 * the event loop and an error body of hundreds of megabytes (test/attacks/validation-error-flood.test.ts). Here a body
 * is validated up to its first problem; only when it fails and holds at most FULL_REPORT_VALUES values is it validated
 * again to list every problem. A larger failing body gets its first problem. Fastify's routes and the verify lane
 * both validate through this (app.ts, verify-lane.ts), with the same Ajv options.
 */
export function boundedValidatorCompiler(externalSchemas: ExternalSchemas, options: CompilerOptions = {}) {
  const withAllErrors = (allErrors: boolean) =>
    AjvCompiler()(externalSchemas, { ...options, customOptions: { ...options.customOptions, allErrors } } as never);
  const first = withAllErrors(false);
  const every = withAllErrors(true);
  return (route: RouteDefinition): BodyValidator => {
    const firstProblem = first(route);
    const everyProblem = every(route);
    const validate: BodyValidator = (data) => {
      if (firstProblem(data) === true) {
        validate.errors = null;
        return true;
      }
      validate.errors = fewValues(data) && everyProblem(data) === false ? everyProblem.errors : firstProblem.errors;
      return false;
    };
    return validate;
  };
}

/** Whether `data` holds at most FULL_REPORT_VALUES values; stops counting there, so a huge body costs no more. */
function fewValues(data: unknown): boolean {
  const pending: unknown[] = [data];
  let seen = 0;
  while (pending.length > 0) {
    if (++seen > FULL_REPORT_VALUES) return false;
    const value = pending.pop();
    if (value !== null && typeof value === 'object') {
      // Objects from JSON.parse: own enumerable values are all there is.
      for (const child of Object.values(value)) pending.push(child);
    }
  }
  return true;
}
