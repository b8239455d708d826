/** JSON API of cron jobs (Bearer token auth): list, create, change, pause, delete, run now, runs and a run's log. */
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.js';
import { bearerSecurity, errorResponses } from './schemas.js';
import { can } from '../../route-access.js';
import {
  createCronBody,
  cronJobSchema,
  cronRunSchema,
  cronRunWithLogSchema,
  jobParams,
  runParams,
  serviceParams,
  updateCronBody,
} from './cron-schemas.js';

const tags = ['cron'];
type JobParams = { id: string; jobId: string };

export async function cronApiRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const schema = (summary: string, extra: Record<string, unknown>) => ({
    tags,
    summary,
    security: bearerSecurity,
    ...extra,
  });

  app.get<{ Params: { id: string } }>(
    '/services/:id/cron-jobs',
    {
      config: can('project.read', 'service'),
      schema: schema("A service's cron jobs with their next run and last run", {
        params: serviceParams,
        response: { 200: { type: 'array', items: cronJobSchema }, ...errorResponses },
      }),
    },
    async (request) => ctx.cron.list(request.params.id),
  );

  app.post<{ Params: { id: string }; Body: Record<string, unknown> }>(
    '/services/:id/cron-jobs',
    {
      config: can('project.deploy', 'service'),
      schema: schema('Create a cron job (runs in a one-off container of the current deployment image)', {
        description:
          '422 VALIDATION_FAILED with `details` naming the field for a bad schedule, time zone, command, overlap policy, timeout or retries.',
        params: serviceParams,
        body: createCronBody,
        response: { 201: cronJobSchema, ...errorResponses },
      }),
    },
    async (request, reply) => reply.status(201).send(await ctx.cron.create(request.params.id, request.body)),
  );

  app.get<{ Params: JobParams }>(
    '/services/:id/cron-jobs/:jobId',
    {
      config: can('project.read', 'service'),
      schema: schema('One cron job', { params: jobParams, response: { 200: cronJobSchema, ...errorResponses } }),
    },
    async (request) => ctx.cron.get(request.params.jobId, request.params.id),
  );

  app.patch<{ Params: JobParams; Body: Record<string, unknown> }>(
    '/services/:id/cron-jobs/:jobId',
    {
      config: can('project.deploy', 'service'),
      schema: schema('Change a cron job (only the fields given); `enabled: false` pauses it', {
        params: jobParams,
        body: updateCronBody,
        response: { 200: cronJobSchema, ...errorResponses },
      }),
    },
    async (request) => ctx.cron.update(request.params.jobId, request.body, request.params.id),
  );

  app.delete<{ Params: JobParams }>(
    '/services/:id/cron-jobs/:jobId',
    {
      config: can('project.deploy', 'service'),
      schema: schema('Delete a cron job: its schedule, its history and any running container', {
        params: jobParams,
        response: { 204: { type: 'null', description: 'Removed' }, ...errorResponses },
      }),
    },
    async (request, reply) => {
      await ctx.cron.remove(request.params.jobId, request.params.id);
      return reply.status(204).send();
    },
  );

  app.post<{ Params: JobParams }>(
    '/services/:id/cron-jobs/:jobId/run',
    {
      config: can('project.deploy', 'service'),
      schema: schema('Run the job now (also while paused), under its overlap policy', {
        params: jobParams,
        response: { 202: cronRunSchema, ...errorResponses },
      }),
    },
    async (request, reply) => reply.status(202).send(await ctx.cron.runNow(request.params.jobId, request.params.id)),
  );

  app.get<{ Params: JobParams }>(
    '/services/:id/cron-jobs/:jobId/runs',
    {
      config: can('project.read', 'service'),
      schema: schema('The run history of a job, newest first', {
        params: jobParams,
        response: { 200: { type: 'array', items: cronRunSchema }, ...errorResponses },
      }),
    },
    async (request) => {
      await ctx.cron.get(request.params.jobId, request.params.id);
      return ctx.cron.runs(request.params.jobId);
    },
  );

  app.get<{ Params: JobParams & { runId: string } }>(
    '/services/:id/cron-jobs/:jobId/runs/:runId',
    {
      config: can('project.read', 'service'),
      schema: schema('One run with its output', {
        params: runParams,
        response: { 200: cronRunWithLogSchema, ...errorResponses },
      }),
    },
    async (request) => {
      await ctx.cron.get(request.params.jobId, request.params.id);
      return ctx.cron.run(request.params.jobId, request.params.runId);
    },
  );
}
