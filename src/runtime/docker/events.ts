/** The engine's event stream, narrowed to what Berth reacts to: containers starting and dying. */
import type { ContainerEvent } from '../runtime.js';
import { openEventStream, type DockerClient } from './client.js';
import { labelFilter } from './failures.js';
import { LineSplitter } from './line-splitter.js';

interface RawEvent {
  Type?: string;
  Action?: string;
  Actor?: { ID?: string; Attributes?: Record<string, string> };
}

/** Resolves when the stream ends (engine gone, or the signal aborted). */
export async function containerEvents(
  d: DockerClient,
  labels: Record<string, string>,
  onEvent: (event: ContainerEvent) => void,
  signal: AbortSignal,
): Promise<void> {
  const filters = { type: ['container'], event: ['start', 'die'], label: labelFilter(labels) };
  let stream;
  try {
    stream = await openEventStream(d, filters, signal);
  } catch (error) {
    // Stopped before the engine answered: the end the caller asked for, not an engine failure.
    if (signal.aborted) return;
    throw error;
  }
  const lines = new LineSplitter((line) => {
    let event: RawEvent;
    try {
      event = JSON.parse(line) as RawEvent;
    } catch {
      return;
    }
    const id = event.Actor?.ID;
    if (event.Type === 'container' && id && (event.Action === 'start' || event.Action === 'die')) {
      const exitCode = Number(event.Actor?.Attributes?.exitCode);
      onEvent({ id, action: event.Action, ...(Number.isInteger(exitCode) ? { exitCode } : {}) });
    }
  });
  await new Promise<void>((resolve) => {
    stream.on('data', (chunk: Buffer) => lines.push(chunk));
    stream.on('end', resolve);
    stream.on('close', resolve);
    // An aborted or broken stream is the end of the events; the caller subscribes again.
    stream.on('error', () => resolve());
  });
}
