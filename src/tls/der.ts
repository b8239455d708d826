/**
 * The few DER (ASN.1 distinguished encoding) elements a self-signed certificate needs
 * (self-signed-certificate.ts): each function answers one complete element, tag, length and content.
 */

function lengthOf(size: number): Buffer {
  if (size < 0x80) return Buffer.from([size]);
  const bytes: number[] = [];
  for (let rest = size; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest % 256);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function element(tag: number, content: Buffer): Buffer {
  return Buffer.concat([Buffer.from([tag]), lengthOf(content.length), content]);
}

export const sequence = (...items: Buffer[]) => element(0x30, Buffer.concat(items));
export const set = (...items: Buffer[]) => element(0x31, Buffer.concat(items));
export const boolean = (value: boolean) => element(0x01, Buffer.from([value ? 0xff : 0x00]));
export const octetString = (content: Buffer) => element(0x04, content);
export const utf8String = (text: string) => element(0x0c, Buffer.from(text, 'utf8'));

/** A non-negative INTEGER from big-endian bytes (a 0x00 is put in front when the top bit is set). */
export function integer(bytes: Buffer): Buffer {
  return element(0x02, bytes[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), bytes]) : bytes);
}

/** A BIT STRING whose last byte has `unusedBits` unused low bits. */
export function bitString(bytes: Buffer, unusedBits = 0): Buffer {
  return element(0x03, Buffer.concat([Buffer.from([unusedBits]), bytes]));
}

export function oid(dotted: string): Buffer {
  const [first, second, ...rest] = dotted.split('.').map(Number);
  const bytes = [first! * 40 + second!];
  for (const arc of rest) {
    const group = [arc & 0x7f];
    for (let value = Math.floor(arc / 128); value > 0; value = Math.floor(value / 128))
      group.unshift(0x80 | (value & 0x7f));
    bytes.push(...group);
  }
  return element(0x06, Buffer.from(bytes));
}

/** UTCTime up to 2049, GeneralizedTime after (RFC 5280 4.1.2.5), to the second, in UTC. */
export function time(date: Date): Buffer {
  const text = date
    .toISOString()
    .replace(/[-:T]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return date.getUTCFullYear() < 2050 ? element(0x17, Buffer.from(text.slice(2))) : element(0x18, Buffer.from(text));
}

/** [n] EXPLICIT: a constructed context-specific wrapper around one element. */
export const contextTag = (n: number, inner: Buffer) => element(0xa0 | n, inner);

/** [n] IMPLICIT IA5String (a GeneralName such as dNSName, n = 2). */
export const ia5Tag = (n: number, text: string) => element(0x80 | n, Buffer.from(text, 'ascii'));
