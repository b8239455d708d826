/** Row type of the compose stacks table (0027), snake_case as stored; re-exported by schema.ts. */
import type { Generated } from 'kysely';

export interface StacksTable {
  id: string;
  project_id: string;
  name: string;
  source: 'paste' | 'repo';
  compose: string | null;
  repo_url: string | null;
  repo_branch: string | null;
  repo_path: string | null;
  routed_service: string;
  routed_port: number;
  /** Sealed JSON {KEY: {value, secret}} (src/lib/secret-box.ts). */
  variables: string;
  template_id: string | null;
  status: 'created' | 'deploying' | 'running' | 'failed';
  error: string | null;
  generation: number;
  /** JSON: the names of the volumes deploys created. */
  volumes: string;
  deploy_log: string;
  deployed_at: string | null;
  /** The environment a copied stack belongs to (0037); null: project-wide, shown with production. */
  environment_id: Generated<string | null>;
  created_at: string;
  updated_at: string;
}
