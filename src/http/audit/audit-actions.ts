/**
 * Which audit action each changing route is, keyed by method and route pattern (panel and API alike),
 * and how its object is read before and after (audit-readers.ts). A route that changes something and is
 * missing here is still recorded, as `<method> <url>` with outcome and caller (see audit-hook.ts), and a
 * test lists the table against the routes so a new route is noticed.
 */
import type { AppContext } from '../context.js';
import {
  listDatabasesOf,
  listDomainsOf,
  listProjects,
  listServicesOf,
  listPasskeysOf,
  listSshKeysOf,
  listTokensOf,
  readChannel,
  readDatabase,
  readDeployment,
  readDomain,
  readProject,
  readRetention,
  readService,
  readVariables,
  type AuditLookup,
  type Found,
} from './audit-readers.js';
import { CRON_AUDIT_RULES } from './cron-audit.js';
import { WORKERS_AUDIT_RULES } from './workers-audit.js';
import { AUTOSCALE_AUDIT_RULES } from './autoscale-audit.js';
import { VOLUME_AUDIT_RULES } from './volume-audit.js';
import { STACK_AUDIT_RULES } from './stack-audit.js';
import { ENVIRONMENT_AUDIT_RULES } from './environment-audit.js';
import { PREVIEW_AUDIT_RULES } from './preview-audit.js';

export interface AuditRule {
  action: string;
  objectType: string;
  /** Reads the object named by the route's `:id` (before and after: the diff is between the two). */
  read?: AuditLookup<Found>;
  /** Lists the objects a create adds to (keyed by the route's `:id`, or the caller's user id): the new one is the diff. */
  list?: (ctx: AppContext, key: string) => Promise<Found[]>;
  /** `list` is of the caller's own objects (tokens, SSH keys), keyed by their user id. */
  isOwn?: boolean;
  /** Paths of the snapshot that are maps of secret values. */
  secretPaths?: string[];
  /** Who calls a public route that proves no user (webhooks carry their own secret). */
  publicActor?: 'webhook' | 'anonymous';
}

const service = { objectType: 'service', read: readService, secretPaths: ['build.buildArgs'] };
const variables = { objectType: 'service', read: readVariables, secretPaths: ['variables'] };
const database = { objectType: 'database', read: readDatabase };
const deployment = { objectType: 'deployment', read: readDeployment };
const channel = { objectType: 'notification-channel', read: readChannel };
const serviceIdentity = { objectType: 'service', read: async (ctx: AppContext, id: string) => identity(ctx, id) };

async function identity(ctx: AppContext, id: string): Promise<Found | undefined> {
  const found = await readService(ctx, id);
  return found && { id: found.id, name: found.name, projectId: found.projectId };
}

const tokens = { objectType: 'token', list: listTokensOf, isOwn: true };
const sshKeys = { objectType: 'ssh-key', list: listSshKeysOf, isOwn: true };
const passkeys = { objectType: 'passkey', list: listPasskeysOf, isOwn: true };

/** `METHOD url` → rule. Panel forms post to `/…/delete`-style URLs; the API uses the HTTP verbs. */
export const AUDIT_RULES: Record<string, AuditRule> = {
  // Projects and services
  'POST /projects': { action: 'project.create', objectType: 'project', list: async (ctx) => listProjects(ctx) },
  'POST /api/v1/projects': { action: 'project.create', objectType: 'project', list: async (ctx) => listProjects(ctx) },
  'POST /projects/:id/delete': { action: 'project.delete', objectType: 'project', read: readProject },
  'DELETE /api/v1/projects/:id': { action: 'project.delete', objectType: 'project', read: readProject },
  // Project as code: a plan changes nothing but is recorded like any POST (who looked at what); apply is the change.
  'POST /api/v1/projects/:id/config/plan': { action: 'project.config.plan', objectType: 'project' },
  'POST /api/v1/projects/:id/config/apply': {
    action: 'project.config.apply',
    objectType: 'project',
    read: readProject,
  },
  'POST /projects/:id/services': { action: 'service.create', ...service, read: undefined, list: listServicesOf },
  'POST /api/v1/projects/:id/services': { action: 'service.create', ...service, read: undefined, list: listServicesOf },
  'POST /services/:id/settings': { action: 'service.settings.update', ...service },
  'PATCH /api/v1/services/:id': { action: 'service.settings.update', ...service },
  'POST /services/:id/credentials/remove': { action: 'service.credentials.remove', ...service },
  'POST /services/:id/delete': { action: 'service.delete', ...service },
  'DELETE /api/v1/services/:id': { action: 'service.delete', ...service },
  // Variables
  'POST /services/:id/variables': { action: 'service.variables.update', ...variables },
  'PUT /api/v1/services/:id/variables': { action: 'service.variables.update', ...variables },
  'POST /services/:id/variables/import': { action: 'service.variables.update', ...variables },
  'POST /services/:id/variables/delete': { action: 'service.variables.update', ...variables },
  'POST /services/:id/variables/secret': { action: 'service.variables.update', ...variables },
  'POST /services/:id/variables/reveal': { action: 'service.variables.reveal', ...serviceIdentity },
  // Domains
  'POST /services/:id/domains': { action: 'domain.create', objectType: 'domain', list: listDomainsOf },
  'POST /api/v1/services/:id/domains': { action: 'domain.create', objectType: 'domain', list: listDomainsOf },
  'POST /domains/:id/delete': { action: 'domain.delete', objectType: 'domain', read: readDomain },
  'DELETE /api/v1/domains/:id': { action: 'domain.delete', objectType: 'domain', read: readDomain },
  'POST /domains/:id/renew': { action: 'domain.certificate.renew', objectType: 'domain', read: readDomain },
  'POST /api/v1/domains/:id/renew': { action: 'domain.certificate.renew', objectType: 'domain', read: readDomain },
  // Deploys (their end, and pushes and webhooks, come from deploy events: src/audit/deploy-audit.ts)
  'POST /services/:id/deploy': { action: 'deploy.start', ...serviceIdentity },
  'POST /api/v1/services/:id/deployments': { action: 'deploy.start', ...serviceIdentity },
  'POST /api/v1/services/:id/uploads': { action: 'deploy.upload', ...serviceIdentity },
  'POST /deployments/:id/cancel': { action: 'deploy.cancel', ...deployment },
  'POST /api/v1/deployments/:id/cancel': { action: 'deploy.cancel', ...deployment },
  'POST /deployments/:id/rollback': { action: 'deploy.rollback', ...deployment },
  'POST /api/v1/deployments/:id/rollback': { action: 'deploy.rollback', ...deployment },
  // Git endpoints and webhooks
  'POST /services/:id/git/rotate': { action: 'service.webhook-secret.rotate', ...serviceIdentity },
  'POST /api/v1/services/:id/git/rotate': { action: 'service.webhook-secret.rotate', ...serviceIdentity },
  'POST /hooks/services/:id/git': { action: 'webhook.receive', ...serviceIdentity, publicActor: 'webhook' },
  'POST /hooks/services/:id/deploy': { action: 'webhook.deploy-hook', ...serviceIdentity, publicActor: 'webhook' },
  // Tokens and SSH keys (the caller's own)
  // Two-factor, sessions and sign-in settings (no before/after: secrets and session handles stay out)
  'POST /account/two-factor/start': { action: 'two-factor.enrol-start', objectType: 'user' },
  'POST /account/two-factor/confirm': { action: 'two-factor.enable', objectType: 'user' },
  'POST /account/two-factor/disable': { action: 'two-factor.disable', objectType: 'user' },
  'POST /account/passkeys/options': { action: 'passkey.add-start', objectType: 'user' },
  'POST /account/passkeys': { action: 'passkey.add', ...passkeys },
  'POST /account/passkeys/:id/rename': { action: 'passkey.rename', ...passkeys },
  'POST /account/passkeys/:id/remove': { action: 'passkey.remove', ...passkeys },
  'POST /account/sessions/:handle/revoke': { action: 'session.revoke', objectType: 'session' },
  'POST /account/sessions/revoke-others': { action: 'session.revoke-others', objectType: 'session' },
  'POST /server/sign-in/sso': { action: 'settings.sso.update', objectType: 'settings' },
  'POST /server/sign-in/sso/delete': { action: 'settings.sso.remove', objectType: 'settings' },
  'POST /server/sign-in/two-factor': { action: 'settings.two-factor.update', objectType: 'settings' },
  'POST /server/sessions/:handle/revoke': { action: 'session.revoke', objectType: 'session' },
  // Members and invitations (the invitation's link is a secret: never read into the log)
  'PUT /api/v1/members/:id/projects/:projectId': { action: 'member.project-role', objectType: 'user' },
  'PUT /api/v1/members/:id/role': { action: 'member.server-role', objectType: 'user' },
  'DELETE /api/v1/members/:id': { action: 'member.remove', objectType: 'user' },
  'POST /api/v1/members/:id/ownership': { action: 'member.transfer-ownership', objectType: 'user' },
  'POST /api/v1/invitations': { action: 'invitation.create', objectType: 'invitation' },
  'DELETE /api/v1/invitations/:id': { action: 'invitation.revoke', objectType: 'invitation' },
  'POST /members/:id/project-role': { action: 'member.project-role', objectType: 'user' },
  'POST /members/:id/role': { action: 'member.server-role', objectType: 'user' },
  'POST /members/:id/remove': { action: 'member.remove', objectType: 'user' },
  'POST /members/:id/ownership': { action: 'member.transfer-ownership', objectType: 'user' },
  'POST /members/invitations': { action: 'invitation.create', objectType: 'invitation' },
  'POST /members/invitations/:id/revoke': { action: 'invitation.revoke', objectType: 'invitation' },
  'POST /tokens': { action: 'token.create', ...tokens },
  'POST /api/v1/tokens': { action: 'token.create', ...tokens },
  'POST /tokens/:id/revoke': { action: 'token.revoke', ...tokens },
  // `berth login` approved in the browser: the diff is the new token; a denial names no object.
  'POST /cli/approve': { action: 'token.create', ...tokens },
  'POST /cli/deny': { action: 'cli-login.deny', objectType: 'cli-login' },
  'DELETE /api/v1/tokens/:id': { action: 'token.revoke', ...tokens },
  'POST /ssh-keys': { action: 'ssh-key.create', ...sshKeys },
  'POST /api/v1/ssh-keys': { action: 'ssh-key.create', ...sshKeys },
  'POST /ssh-keys/:id/delete': { action: 'ssh-key.delete', ...sshKeys },
  'DELETE /api/v1/ssh-keys/:id': { action: 'ssh-key.delete', ...sshKeys },
  // Databases and backups
  'POST /projects/:id/databases': { action: 'database.create', objectType: 'database', list: listDatabasesOf },
  'POST /api/v1/projects/:id/databases': { action: 'database.create', objectType: 'database', list: listDatabasesOf },
  'POST /databases/:id/settings': { action: 'database.settings.update', ...database },
  'PATCH /api/v1/databases/:id': { action: 'database.settings.update', ...database },
  'POST /databases/:id/schedule': { action: 'database.backup-schedule.update', ...database },
  'PUT /api/v1/databases/:id/backup-schedule': { action: 'database.backup-schedule.update', ...database },
  'POST /databases/:id/credentials': { action: 'database.credentials.reveal', ...database },
  'POST /databases/:id/start': { action: 'database.start', ...database },
  'POST /api/v1/databases/:id/start': { action: 'database.start', ...database },
  'POST /databases/:id/stop': { action: 'database.stop', ...database },
  'POST /api/v1/databases/:id/stop': { action: 'database.stop', ...database },
  'POST /databases/:id/restart': { action: 'database.restart', ...database },
  'POST /api/v1/databases/:id/restart': { action: 'database.restart', ...database },
  'POST /databases/:id/connect': { action: 'database.connect', ...database },
  'POST /api/v1/databases/:id/connect': { action: 'database.connect', ...database },
  'POST /databases/:id/delete': { action: 'database.delete', ...database },
  'DELETE /api/v1/databases/:id': { action: 'database.delete', ...database },
  'POST /databases/:id/backups': { action: 'database.backup.create', ...database },
  'POST /api/v1/databases/:id/backups': { action: 'database.backup.create', ...database },
  'POST /backups/:id/restore': { action: 'database.backup.restore', objectType: 'backup' },
  'POST /api/v1/backups/:id/restore': { action: 'database.backup.restore', objectType: 'backup' },
  // Notifications and alert rules
  'POST /notifications/channels': { action: 'notification-channel.create', objectType: 'notification-channel' },
  'POST /api/v1/notification-channels': { action: 'notification-channel.create', objectType: 'notification-channel' },
  'POST /notifications/channels/:id': { action: 'notification-channel.update', ...channel },
  'PATCH /api/v1/notification-channels/:id': { action: 'notification-channel.update', ...channel },
  'POST /notifications/channels/:id/enabled': { action: 'notification-channel.update', ...channel },
  'POST /notifications/channels/:id/test': { action: 'notification-channel.test', ...channel },
  'POST /api/v1/notification-channels/:id/test': { action: 'notification-channel.test', ...channel },
  'POST /notifications/channels/:id/delete': { action: 'notification-channel.delete', ...channel },
  'DELETE /api/v1/notification-channels/:id': { action: 'notification-channel.delete', ...channel },
  'POST /notifications/rules/:kind': { action: 'alert-rule.update', objectType: 'alert-rule' },
  'PATCH /api/v1/alert-rules/:kind': { action: 'alert-rule.update', objectType: 'alert-rule' },
  // The server
  'POST /system/upgrade': { action: 'system.upgrade', objectType: 'system' },
  'POST /system/backup': { action: 'system.backup', objectType: 'system' },
  'POST /audit/retention': { action: 'audit.retention.update', objectType: 'setting', read: readRetention },
  'PUT /api/v1/audit/retention': { action: 'audit.retention.update', objectType: 'setting', read: readRetention },
  'POST /setup': { action: 'setup.claim', objectType: 'user', publicActor: 'anonymous' },
  'POST /logout': { action: 'logout', objectType: 'session', publicActor: 'anonymous' },
  // Cron jobs (src/http/audit/cron-audit.ts)
  ...CRON_AUDIT_RULES,
  // Worker processes (src/http/audit/workers-audit.ts)
  ...WORKERS_AUDIT_RULES,
  // Autoscaling (src/http/audit/autoscale-audit.ts)
  ...AUTOSCALE_AUDIT_RULES,
  // Volumes (src/http/audit/volume-audit.ts)
  ...VOLUME_AUDIT_RULES,
  // Compose stacks and templates (src/http/audit/stack-audit.ts)
  ...STACK_AUDIT_RULES,
  // Environments and shared variables (src/http/audit/environment-audit.ts)
  ...ENVIRONMENT_AUDIT_RULES,
  // Previews and their settings (src/http/audit/preview-audit.ts)
  ...PREVIEW_AUDIT_RULES,
};

/** Routes whose changes are recorded by the route itself (it knows more than the hook: logins). */
export const RECORDED_BY_ROUTE = new Set(['POST /login']);

/** Public routes the hook records (others authenticate themselves and record what they do, like git). */
export function isRecordedPublicRoute(key: string): boolean {
  return AUDIT_RULES[key]?.publicActor !== undefined;
}
