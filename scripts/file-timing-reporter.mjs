// A node:test reporter that writes one line per test file: its top-level tests' time and the file.
// run-tests.mjs prints these, slowest first, so a slow file is easy to find when the suite's budget is near.
export default async function* fileTimings(source) {
  const perFile = new Map();
  for await (const event of source) {
    if ((event.type === 'test:pass' || event.type === 'test:fail') && event.data.nesting === 0 && event.data.file) {
      const ms = event.data.details?.duration_ms ?? 0;
      perFile.set(event.data.file, (perFile.get(event.data.file) ?? 0) + ms);
    }
  }
  for (const [file, ms] of perFile) yield `${(ms / 1000).toFixed(1)}\t${file}\n`;
}
