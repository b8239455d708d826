/** One-click templates: a compose file plus what the panel needs to install it (src/templates/catalog/<id>/). */

export type GeneratedKind = 'secret' | 'password' | 'hex32';

export interface TemplateVariable {
  description?: string;
  /** The value unless the installer types another. */
  default?: string;
  /** Made at install, stored as a secret variable, never shown again. */
  generate?: GeneratedKind;
}

export interface TemplateMeta {
  name: string;
  description: string;
  /** An SVG file of the template's folder (`icon.svg`), or a short emoji or letter shown instead. */
  icon: string;
  /** Where the app's own documentation is (plain text; Berth never fetches it). */
  documentation: string;
  routedService: string;
  routedPort: number;
  variables: Record<string, TemplateVariable>;
}

export interface Template extends TemplateMeta {
  id: string;
  compose: string;
  /** The SVG text when `icon` names a file. */
  iconSvg?: string;
}

/** Variables Berth fills in at install: the stack's address. */
export const PROVIDED_VARIABLES = ['BERTH_URL', 'BERTH_HOST'] as const;
