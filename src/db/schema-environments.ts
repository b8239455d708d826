/** Row types of environments, preview settings and shared project variables (src/environments, src/previews); re-exported by schema.ts. */
import type { Generated } from 'kysely';

export interface EnvironmentsTable {
  id: string;
  project_id: string;
  name: string;
  created_at: Generated<string>;
  /** 'standard' | 'preview'; null reads as 'standard' (migration 0029). */
  kind: Generated<'standard' | 'preview' | null>;
  branch: Generated<string | null>;
  expires_at: Generated<string | null>;
}

/** Per-project preview settings (migration 0034); no row = the defaults. */
export interface PreviewSettingsTable {
  project_id: string;
  enabled: number;
  ttl_hours: number;
  max_previews: number;
  databases: 'empty' | 'seed';
  memory_mb: number;
  allow_forks: number;
  updated_at: string;
}

/** Project-level variables every environment's services reference as `${{shared.KEY}}` (sealed values). */
export interface SharedVariablesTable {
  id: string;
  project_id: string;
  key: string;
  value_encrypted: string;
  secret: Generated<number>;
  updated_at: string;
}
