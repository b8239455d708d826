// Copies front-end packages into public/vendor so the panel serves them itself (never from a CDN): htmx, and
// xterm.js with its fit addon for the web terminal.
import { copyFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const vendor = join(root, 'public', 'vendor');
mkdirSync(vendor, { recursive: true });
copyFileSync(require.resolve('htmx.org/dist/htmx.min.js'), join(vendor, 'htmx.min.js'));
// The web terminal (xterm.js and its fit addon: UMD builds that define window.Terminal and window.FitAddon).
copyFileSync(require.resolve('@xterm/xterm/lib/xterm.js'), join(vendor, 'xterm.js'));
copyFileSync(require.resolve('@xterm/xterm/css/xterm.css'), join(vendor, 'xterm.css'));
copyFileSync(require.resolve('@xterm/addon-fit/lib/addon-fit.js'), join(vendor, 'addon-fit.js'));
