/**
 * Binds a function's first argument (the database, or a feature's deps), for the facades the composition
 * root hands the HTTP layer: routes call `ctx.projects.get(id)`, never `getProject(db, id)`.
 */
export type WithoutFirst<F> = F extends (first: never, ...rest: infer A) => infer R ? (...rest: A) => R : never;

export function bindFirst<T, F extends (first: T, ...rest: never[]) => unknown>(first: T, fn: F): WithoutFirst<F> {
  return ((...rest: never[]) => fn(first, ...rest)) as WithoutFirst<F>;
}
