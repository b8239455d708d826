/**
 * The numbers the CPU, memory and 5xx rules need, from the metrics and proxy-traffic features (wired in
 * main.ts). Every method answers over the last `windowMs` and returns null when it has too little data
 * to say (fewer samples than the window needs, or no requests): a rule never fires on missing data.
 */
export interface MetricsReader {
  /** The LOWEST CPU use of the service's containers over the window, in percent of its CPU limit (of the
   * host's cores when it has none): above the threshold means above it for the whole window. */
  minCpuPercent(serviceId: string, windowMs: number): Promise<number | null>;
  /** The lowest memory use over the window, in percent of the memory limit (of the host's memory without one). */
  minMemoryPercent(serviceId: string, windowMs: number): Promise<number | null>;
  /** Requests the proxy answered for the service over the window, and how many of them were 5xx. */
  httpStatusCounts(serviceId: string, windowMs: number): Promise<{ total: number; errors5xx: number } | null>;
}
