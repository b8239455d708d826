/** WebSockets (live logs). Clients only listen, so incoming messages are kept tiny. */
import fastifyWebsocket from '@fastify/websocket';
import type { FastifyInstance } from 'fastify';

export async function registerWebsocket(app: FastifyInstance): Promise<void> {
  await app.register(fastifyWebsocket, { options: { maxPayload: 1024 } });
}
