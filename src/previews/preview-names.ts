/**
 * The name a branch's preview environment gets, and so its services' hostnames
 * (`<service>-<preview>-<project>.<apps domain>`). A branch name allows characters a hostname does not
 * (`/`, `_`, `.`, capitals), so the name is the branch lowercased with every run of other characters made
 * one dash. When that loses anything (`feature/login` and `feature-login` would meet) or the hostname label
 * would pass 63 characters, a short hash of the exact branch name is appended, so two branches never share
 * a preview and the same branch always gets the same one. The branch itself must first be a valid git
 * branch name (validateBranch); a name that still cannot make a hostname is refused in words.
 */
import { createHash } from 'node:crypto';
import { AppError } from '../errors.js';
import { describeNameProblem, NAME_MAX_LENGTH } from '../projects/names.js';
import { validateBranch } from '../source/source-validation.js';

const HASH_LENGTH = 6;

function branchHash(branch: string): string {
  return createHash('sha256').update(branch).digest('hex').slice(0, HASH_LENGTH);
}

function slugOf(branch: string): string {
  const slug = branch
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  // An environment name starts with a letter: `123-fix` becomes `br-123-fix`.
  return /^[a-z]/.test(slug) ? slug : slug ? `br-${slug}` : '';
}

/**
 * The preview environment's name for a branch, short enough that the longest service name of the project
 * still makes a valid hostname label with it (`<service>-<name>-<project>` ≤ 63 characters).
 */
export function previewNameFor(branch: unknown, longestLabelAround: { service: string; project: string }): string {
  const exact = validateBranch(branch);
  const slug = slugOf(exact);
  if (!slug) {
    throw new AppError('VALIDATION_FAILED', `The branch "${exact}" has no letters or digits to name a preview after.`, {
      details: { field: 'branch' },
    });
  }
  // Room left in the hostname label for the preview's own part (two joining dashes).
  const room = NAME_MAX_LENGTH - longestLabelAround.service.length - longestLabelAround.project.length - 2;
  const lossless = slug === exact && slug.length <= room;
  if (lossless) return slug;
  const keep = Math.max(0, Math.min(slug.length, room - HASH_LENGTH - 1));
  const head = slug.slice(0, keep).replace(/-+$/, '');
  const name = head ? `${head}-${branchHash(exact)}` : '';
  if (!head || name.length > room || describeNameProblem(name)) {
    throw new AppError(
      'VALIDATION_FAILED',
      `A preview of "${exact}" cannot get a hostname: "${longestLabelAround.service}-…-${longestLabelAround.project}" ` +
        `leaves no room under the 63-character limit of a hostname label. Use shorter service or project names.`,
      { details: { field: 'branch' } },
    );
  }
  return name;
}
