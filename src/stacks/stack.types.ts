/** Domain types of compose stacks (camelCase); rows are in src/db/schema-stacks.ts. */

export type StackStatus = 'created' | 'deploying' | 'running' | 'failed';

export type StackSource =
  | { type: 'paste'; compose: string }
  /** A compose file at `path` (relative) in a git repository's branch. */
  | { type: 'repo'; url: string; branch: string; path: string };

export interface StackVariable {
  value: string;
  secret: boolean;
}

export interface Stack {
  id: string;
  projectId: string;
  name: string;
  source: StackSource;
  routedService: string;
  routedPort: number;
  templateId: string | null;
  status: StackStatus;
  error: string | null;
  generation: number;
  /** Named volumes of the stack as deployed (a delete may remove them). */
  volumes: string[];
  deployedAt: string | null;
  /** The environment a copied stack belongs to (a duplicate or preview); null: project-wide (production). */
  environmentId: string | null;
  createdAt: string;
  updatedAt: string;
}

/** A stack as the API and panel show it: secret variable values masked. */
export interface StackView extends Stack {
  url: string;
  variables: Record<string, { value: string | null; secret: boolean }>;
}

export interface StackInput {
  name: string;
  source: StackSource;
  routedService: string;
  routedPort: number;
  variables: Record<string, StackVariable>;
  templateId?: string;
}
