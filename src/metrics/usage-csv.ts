/** Usage lines as CSV (RFC 4180): one row per service, numbers unformatted, names quoted when needed. */
import type { UsageLine } from './metrics.types.js';

const HEADER = [
  'month',
  'service_id',
  'service',
  'kind',
  'cpu_hours',
  'memory_gb_hours',
  'egress_bytes',
  'ingress_bytes',
  'disk_bytes',
];

export function usageCsv(month: string, lines: readonly UsageLine[]): string {
  const rows = lines.map((l) => [
    month,
    l.serviceId,
    l.serviceName,
    l.kind,
    l.cpuHours.toFixed(4),
    l.memoryGbHours.toFixed(4),
    String(Math.round(l.egressBytes)),
    String(Math.round(l.ingressBytes)),
    String(Math.round(l.diskBytes)),
  ]);
  return [HEADER, ...rows].map((row) => row.map(csvField).join(',')).join('\r\n') + '\r\n';
}

function csvField(value: string): string {
  // A leading =, +, - or @ would be read as a formula by spreadsheets: prefix it with a quote.
  const safe = /^[=+\-@]/.test(value) && !/^-?\d/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}
