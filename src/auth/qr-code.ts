/**
 * The only importer of qrcode: an SVG drawn on the server, inlined into the page. No image request leaves
 * the panel (the CSP allows none), and the secret never reaches a third-party QR service. Loaded when a
 * first code is drawn (two-factor enrolment), not at start.
 */
type QRCode = typeof import('qrcode');
let library: Promise<QRCode> | undefined;
// A CommonJS module: its exports are the default export of the dynamic import.
const qrcode = () =>
  (library ??= import('qrcode').then((module) => (module as { default?: QRCode }).default ?? module));

export async function qrCodeSvg(text: string): Promise<string> {
  const QRCode = await qrcode();
  return QRCode.toString(text, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
}
