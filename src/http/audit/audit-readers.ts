/**
 * How the audit hook reads an object before and after a change, through the AppContext facades: its id,
 * name and project, and a plain snapshot of its state (diffed and stripped of secrets by src/audit).
 * Every reader answers undefined for an object that does not exist (before a create, after a delete).
 */
import type { AppContext } from '../context.js';

export type AuditLookup<T> = (ctx: AppContext, id: string) => Promise<T | undefined>;

export interface Found {
  id: string;
  name?: string | null;
  projectId?: string | null;
  state?: Record<string, unknown>;
}

async function quietly<T>(read: () => Promise<T>): Promise<T | undefined> {
  try {
    return await read();
  } catch {
    return undefined;
  }
}

export const readService: AuditLookup<Found> = (ctx, id) =>
  quietly(async () => {
    const s = await ctx.projects.getService(id);
    return {
      id: s.id,
      name: s.name,
      projectId: s.projectId,
      state: {
        name: s.name,
        source: s.source,
        build: s.build,
        port: s.port,
        healthcheck: s.healthcheck,
        resources: s.resources,
        replicas: s.replicas,
        releaseCommand: s.releaseCommand,
      },
    };
  });

/** Variable values are read to see which changed; the diff keeps only "set" / "changed" / "removed". */
export const readVariables: AuditLookup<Found> = (ctx, id) =>
  quietly(async () => {
    const s = await ctx.projects.getService(id);
    const keys = await ctx.variables.listKeys(id);
    return {
      id: s.id,
      name: s.name,
      projectId: s.projectId,
      state: {
        variables: await ctx.variables.read(id),
        // Names only ("masked": the variables marked secret); never a value.
        masked: keys.filter((k) => k.secret).map((k) => k.key),
      },
    };
  });

export const readProject: AuditLookup<Found> = (ctx, id) =>
  quietly(async () => {
    const p = await ctx.projects.get(id);
    const services = await ctx.projects.listServices(id);
    const databases = await ctx.databases.databases.list(id).catch(() => []);
    return {
      id: p.id,
      name: p.name,
      projectId: p.id,
      state: { name: p.name, services: services.map((s) => s.name), databases: databases.map((d) => d.name) },
    };
  });

export async function listProjects(ctx: AppContext): Promise<Found[]> {
  return (await ctx.projects.list()).map((p) => ({ id: p.id, name: p.name, projectId: p.id, state: { name: p.name } }));
}

export async function listServicesOf(ctx: AppContext, projectId: string): Promise<Found[]> {
  const services = (await quietly(() => ctx.projects.listServices(projectId))) ?? [];
  const found = await Promise.all(services.map((s) => readService(ctx, s.id)));
  return found.filter((f): f is Found => f !== undefined);
}

function databaseFound(d: {
  id: string;
  name: string;
  projectId: string;
  engine: string;
  image: string;
  memoryMb: number | null;
  cpus: number | null;
  publicAccess: unknown;
  backupSchedule: string | null;
  backupKeep: number;
}): Found {
  const { name, engine, image, memoryMb, cpus, publicAccess, backupSchedule, backupKeep } = d;
  return {
    id: d.id,
    name,
    projectId: d.projectId,
    state: { name, engine, image, memoryMb, cpus, publicAccess, backupSchedule, backupKeep },
  };
}

export const readDatabase: AuditLookup<Found> = (ctx, id) =>
  quietly(async () => databaseFound(await ctx.databases.databases.get(id)));

export async function listDatabasesOf(ctx: AppContext, projectId: string): Promise<Found[]> {
  return ((await quietly(() => ctx.databases.databases.list(projectId))) ?? []).map(databaseFound);
}

export async function listDomainsOf(ctx: AppContext, serviceId: string): Promise<Found[]> {
  const service = await readService(ctx, serviceId);
  const domains = (await quietly(async () => (ctx.https ? ctx.https.domains.list(serviceId) : []))) ?? [];
  return domains.map((d) => ({
    id: d.id,
    name: d.hostname,
    projectId: service?.projectId,
    state: { hostname: d.hostname, service: service?.name, port: d.port, redirectTo: d.redirectTo, hsts: d.hsts },
  }));
}

export const readDomain: AuditLookup<Found> = (ctx, id) =>
  quietly(async () => {
    if (!ctx.https) return undefined;
    const domain = await ctx.https.domains.get(id);
    return (await listDomainsOf(ctx, domain.serviceId)).find((d) => d.id === id);
  });

export async function listTokensOf(ctx: AppContext, userId: string): Promise<Found[]> {
  return (await ctx.auth.listApiTokens(userId)).map((t) => ({
    id: t.id,
    name: t.name,
    state: { name: t.name, prefix: t.prefix, revoked: t.revokedAt !== null },
  }));
}

export async function listSshKeysOf(ctx: AppContext, userId: string): Promise<Found[]> {
  return (await ctx.sshKeys.list(userId)).map((k) => ({
    id: k.id,
    name: k.name,
    state: { name: k.name, algorithm: k.algorithm, fingerprint: k.fingerprint },
  }));
}

export async function listPasskeysOf(ctx: AppContext, userId: string): Promise<Found[]> {
  return (await ctx.passkeys.list(userId)).map((k) => ({ id: k.id, name: k.name, state: { name: k.name } }));
}

/** A deployment's identity: its service's name and project (no state: deploy events say how it went). */
export const readDeployment: AuditLookup<Found> = (ctx, id) =>
  quietly(async () => {
    const deployment = await ctx.deploys.get(id);
    const service = await readService(ctx, deployment.serviceId);
    return { id, name: service?.name, projectId: service?.projectId };
  });

export const readChannel: AuditLookup<Found> = (ctx, id) =>
  quietly(async () => {
    const channel = (await ctx.alerts?.channels.list())?.find((c) => c.id === id);
    // Name, kind and switch only: a channel's settings hold webhook URLs and SMTP passwords.
    return (
      channel && {
        id,
        name: channel.name,
        projectId: channel.projectId,
        state: { name: channel.name, kind: channel.kind, enabled: channel.enabled },
      }
    );
  });

export const readRetention: AuditLookup<Found> = async (ctx) => ({
  id: 'audit.retention',
  name: 'audit log retention',
  state: { days: await ctx.audit.retentionDays() },
});
