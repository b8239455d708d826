// Berth's static file server: zero dependencies, baked into images built by the static buildpack.
// Usage: node server.mjs <site-dir>; listens on $PORT (default 3000).
// - GET and HEAD only; paths are decoded, normalised and must stay inside the site directory.
// - Dotfiles and dot-directories (.git, .env, .berth-*) are never served.
// - /path tries path, path/index.html, path.html; then 404.html (status 404); then, for page requests
//   without a file extension, index.html (single-page apps); else a plain 404.
// - ETag/If-None-Match, no-cache for HTML, an hour of caching for other files.
// - SIGTERM stops accepting connections and lets in-flight responses finish.
import { Buffer } from 'node:buffer';
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import { extname, join, sep } from 'node:path';

const root = await realpath(process.argv[2] || '/srv/site');
const port = Number(process.env.PORT || 3000);

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.htm': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.xml': 'application/xml; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.otf': 'font/otf',
  '.wasm': 'application/wasm',
  '.pdf': 'application/pdf',
  '.mp4': 'video/mp4',
  '.webm': 'video/webm',
  '.mp3': 'audio/mpeg',
  '.webmanifest': 'application/manifest+json',
};

/** The file for a URL path, or undefined. Never leaves the root, never serves dotfiles. */
async function findFile(relative) {
  for (const candidate of [relative, join(relative, 'index.html'), `${relative}.html`]) {
    const full = join(root, candidate);
    try {
      const real = await realpath(full);
      if (real !== root && !real.startsWith(root + sep)) continue;
      const info = await stat(real);
      if (info.isFile()) return { path: real, info };
    } catch {
      // Not there: try the next candidate.
    }
  }
  return undefined;
}

function send(req, res, status, file) {
  const type = TYPES[extname(file.path).toLowerCase()] || 'application/octet-stream';
  const etag = `"${file.info.size.toString(16)}-${Math.floor(file.info.mtimeMs).toString(16)}"`;
  res.setHeader('Content-Type', type);
  res.setHeader('ETag', etag);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Cache-Control', type.startsWith('text/html') ? 'no-cache' : 'public, max-age=3600');
  if (status === 200 && req.headers['if-none-match'] === etag) {
    res.writeHead(304).end();
    return;
  }
  res.setHeader('Content-Length', file.info.size);
  res.writeHead(status);
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  const stream = createReadStream(file.path);
  stream.on('error', () => res.destroy());
  stream.pipe(res);
}

function plain(res, status, text) {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

const server = createServer(async (req, res) => {
  try {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      plain(res, 405, 'Method Not Allowed\n');
      return;
    }
    let path;
    try {
      path = decodeURIComponent(new URL(req.url || '/', 'http://site').pathname);
    } catch {
      plain(res, 400, 'Bad Request\n');
      return;
    }
    const segments = path.split('/').filter(Boolean);
    if (path.includes('\0') || segments.some((s) => s.startsWith('.') || s.includes('\\'))) {
      plain(res, 404, 'Not Found\n');
      return;
    }
    const file = await findFile(segments.join('/'));
    if (file) return send(req, res, 200, file);
    const notFound = await findFile('404.html');
    if (notFound) return send(req, res, 404, notFound);
    const page = extname(path) === '' && (req.headers.accept || '').includes('text/html');
    const index = page ? await findFile('index.html') : undefined;
    if (index) return send(req, res, 200, index);
    plain(res, 404, 'Not Found\n');
  } catch {
    if (!res.headersSent) plain(res, 500, 'Internal Server Error\n');
    else res.destroy();
  }
});

server.keepAliveTimeout = 65_000;
server.listen(port, () => console.log(`Serving ${root} on port ${port}`));

const stop = () => {
  server.close(() => process.exit(0));
  server.closeIdleConnections();
  setTimeout(() => process.exit(0), 10_000).unref();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
