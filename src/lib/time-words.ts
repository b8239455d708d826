/**
 * Times and durations in words for the panel ("2 min ago", "in 5 minutes", "took 1 min 12 s"), with the
 * exact timestamp kept for a <time datetime> and its title. Pure: "now" is always passed in.
 */

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

type TimeInput = string | number | Date | null | undefined;

function toMillis(value: TimeInput): number | undefined {
  if (value === null || value === undefined || value === '') return undefined;
  const ms = value instanceof Date ? value.getTime() : typeof value === 'number' ? value : Date.parse(value);
  return Number.isFinite(ms) ? ms : undefined;
}

function plural(n: number, unit: string): string {
  return `${n} ${unit}${n === 1 ? '' : 's'}`;
}

/** A length of time, short form: "45 s", "1 min 12 s", "3 h 5 min", "2 days 4 h". */
export function durationWords(ms: number): string {
  const total = Math.max(0, Math.round(ms / SECOND));
  if (total < 60) return `${total} s`;
  const minutes = Math.floor(total / 60);
  const seconds = total % 60;
  if (minutes < 60) return seconds === 0 ? `${minutes} min` : `${minutes} min ${seconds} s`;
  const hours = Math.floor(minutes / 60);
  const restMinutes = minutes % 60;
  if (hours < 24) return restMinutes === 0 ? `${hours} h` : `${hours} h ${restMinutes} min`;
  const days = Math.floor(hours / 24);
  const restHours = hours % 24;
  return restHours === 0 ? plural(days, 'day') : `${plural(days, 'day')} ${restHours} h`;
}

/** The time between two timestamps ("took 1 min 12 s"), or undefined when either is missing. */
export function tookWords(start: TimeInput, end: TimeInput): string | undefined {
  const from = toMillis(start);
  const to = toMillis(end);
  if (from === undefined || to === undefined) return undefined;
  return `took ${durationWords(to - from)}`;
}

function roughly(ms: number): string {
  if (ms < 45 * SECOND) return 'a few seconds';
  if (ms < 90 * SECOND) return '1 minute';
  if (ms < 45 * MINUTE) return plural(Math.round(ms / MINUTE), 'minute');
  if (ms < 90 * MINUTE) return '1 hour';
  if (ms < 22 * HOUR) return plural(Math.round(ms / HOUR), 'hour');
  if (ms < 36 * HOUR) return '1 day';
  if (ms < 30 * DAY) return plural(Math.round(ms / DAY), 'day');
  if (ms < 365 * DAY) return plural(Math.round(ms / (30 * DAY)), 'month');
  return plural(Math.round(ms / (365 * DAY)), 'year');
}

/** A moment relative to now: "just now", "2 minutes ago", "in 5 minutes"; "" for a missing time. */
export function relativeWords(value: TimeInput, now: number): string {
  const at = toMillis(value);
  if (at === undefined) return '';
  const diff = at - now;
  if (Math.abs(diff) < 10 * SECOND) return 'just now';
  return diff > 0 ? `in ${roughly(diff)}` : `${roughly(-diff)} ago`;
}

/**
 * A past moment in short words for running text ("exited 137, 2 min ago"): "just now", "45 s ago",
 * "2 min ago", "3 h ago", "4 days ago"; "" for a missing time. A moment a little ahead of `now` (another
 * clock, e.g. the engine's) is "just now", never "in …".
 */
export function shortAgoWords(value: TimeInput, now: number): string {
  const at = toMillis(value);
  if (at === undefined) return '';
  const ms = now - at;
  if (ms < 5 * SECOND) return 'just now';
  if (ms < MINUTE) return `${Math.floor(ms / SECOND)} s ago`;
  if (ms < HOUR) return `${Math.floor(ms / MINUTE)} min ago`;
  if (ms < 48 * HOUR) return `${Math.floor(ms / HOUR)} h ago`;
  return `${plural(Math.floor(ms / DAY), 'day')} ago`;
}

/** The exact moment as people read it, in UTC: "2026-12-02 10:48:03 UTC". */
export function exactWords(value: TimeInput): string {
  const at = toMillis(value);
  return at === undefined ? '' : `${new Date(at).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * `<time datetime="…" title="exact">2 minutes ago</time>` for templates (already escaped, so it is
 * printed raw). A missing time prints the fallback ("never", "–").
 */
export function timeTag(value: TimeInput, now: number, fallback = '–'): string {
  const at = toMillis(value);
  if (at === undefined) return escapeHtml(fallback);
  const iso = new Date(at).toISOString();
  return `<time datetime="${iso}" title="${escapeHtml(exactWords(at))}">${escapeHtml(relativeWords(at, now))}</time>`;
}

/** The helpers templates get as `it.time`, bound to the moment the page is rendered. */
export interface TimeHelpers {
  /** "2 minutes ago" / "in 5 minutes" inside a <time> tag, raw HTML. */
  tag(value: TimeInput, fallback?: string): string;
  /** "2 minutes ago" as plain text. */
  ago(value: TimeInput): string;
  /** "took 1 min 12 s", or "" when unfinished. */
  took(start: TimeInput, end: TimeInput): string;
  /** "1 min 12 s" between two timestamps, or "" when unfinished (for a column headed "Took"). */
  between(start: TimeInput, end: TimeInput): string;
  /** "1 min 12 s" for a number of milliseconds. */
  duration(ms: number): string;
  exact(value: TimeInput): string;
}

export function timeHelpers(now: number): TimeHelpers {
  return {
    tag: (value, fallback) => timeTag(value, now, fallback),
    ago: (value) => relativeWords(value, now),
    took: (start, end) => tookWords(start, end) ?? '',
    between: (start, end) => tookWords(start, end)?.slice('took '.length) ?? '',
    duration: durationWords,
    exact: exactWords,
  };
}
