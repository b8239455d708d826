/**
 * The only importer of qrcode: an SVG drawn on the server, inlined into the page. No image request leaves
 * the panel (the CSP allows none), and the secret never reaches a third-party QR service.
 */
import QRCode from 'qrcode';

export function qrCodeSvg(text: string): Promise<string> {
  return QRCode.toString(text, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
}
