/**
 * The only importer of `ignore`: .gitignore semantics (negation, directory-only patterns, anchoring) for
 * deciding which files of a local directory an upload leaves out. Paths are relative, with '/' separators.
 */
import ignoreModule from 'ignore';

// ignore 5 is CommonJS (module.exports = factory) but its typings declare `export default`, which under
// NodeNext types the import as the module namespace; at run time the import is the factory itself.
const ignore = ignoreModule as unknown as typeof ignoreModule.default;

export type IgnoreCheck = (relativePath: string) => boolean;

export function ignoreRules(patterns: readonly string[]): IgnoreCheck {
  const rules = ignore().add(patterns as string[]);
  return (relativePath) => rules.ignores(relativePath);
}
