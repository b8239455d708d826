/**
 * Hand-made tar archives for tests of archive checks: any name (`../x`, `/abs`), any type (hard links,
 * devices), written byte by byte in the ustar format, so no packing library cleans them up first.
 */
export interface RawEntry {
  name: string;
  type?: 'file' | 'directory' | 'symlink' | 'link' | 'character-device';
  body?: string | Buffer;
  linkname?: string;
}

const TYPE_FLAG: Record<NonNullable<RawEntry['type']>, string> = {
  file: '0',
  link: '1',
  symlink: '2',
  'character-device': '3',
  directory: '5',
};

function octal(value: number, length: number): string {
  return `${value.toString(8).padStart(length - 1, '0')}\0`;
}

function header(entry: RawEntry, size: number): Buffer {
  const block = Buffer.alloc(512, 0);
  block.write(entry.name, 0, 100, 'utf8');
  block.write(octal(entry.type === 'directory' ? 0o755 : 0o644, 8), 100, 'ascii');
  block.write(octal(0, 8), 108, 'ascii');
  block.write(octal(0, 8), 116, 'ascii');
  block.write(octal(size, 12), 124, 'ascii');
  block.write(octal(Math.floor(Date.now() / 1000), 12), 136, 'ascii');
  block.write('        ', 148, 'ascii');
  block.write(TYPE_FLAG[entry.type ?? 'file'], 156, 'ascii');
  if (entry.linkname) block.write(entry.linkname, 157, 100, 'utf8');
  block.write('ustar\0', 257, 'ascii');
  block.write('00', 263, 'ascii');
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
  return block;
}

export function tarOf(entries: readonly RawEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const entry of entries) {
    const body = Buffer.from(entry.body ?? '');
    const size = (entry.type ?? 'file') === 'file' ? body.length : 0;
    parts.push(header(entry, size));
    if (size > 0) parts.push(body, Buffer.alloc((512 - (size % 512)) % 512, 0));
  }
  parts.push(Buffer.alloc(1024, 0));
  return Buffer.concat(parts);
}
