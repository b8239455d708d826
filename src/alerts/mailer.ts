/** The only importer of nodemailer: one alert mail over SMTP to a checked address. */
import type { HostResolver, SourcePolicy } from '../source/host-check.js';
import type { EmailSecurity } from './alert.types.js';
import { checkDestination } from './destination.js';
import { DeliveryError } from './http-post.js';

const TIMEOUT_MS = 10_000;

export interface MailSettings {
  host: string;
  port: number;
  /** tls: TLS from the first byte (port 465); starttls: upgrade required; none: plain (a local relay). */
  security: EmailSecurity;
  username: string | null;
  password: string | null;
  from: string;
  to: string[];
}

/** Loaded at the first mail, not with the daemon (about 15 MB a server without email alerts never needs). */
let library: Promise<typeof import('nodemailer')> | undefined;
const mailer = () => (library ??= import('nodemailer'));

export async function sendMail(
  settings: MailSettings,
  message: { subject: string; text: string },
  options: { policy: SourcePolicy; resolver?: HostResolver },
): Promise<void> {
  let target;
  try {
    target = await checkDestination(settings.host, options.policy, 'host', options.resolver);
  } catch (error) {
    throw new DeliveryError(error instanceof Error ? error.message : String(error), false);
  }
  const nodemailer = (await mailer()).default;
  const transport = nodemailer.createTransport({
    host: target.address,
    port: settings.port,
    secure: settings.security === 'tls',
    requireTLS: settings.security === 'starttls',
    ignoreTLS: settings.security === 'none',
    // Certificates are checked against the name the user gave, not the address connected to.
    tls: { servername: target.host },
    auth: settings.username ? { user: settings.username, pass: settings.password ?? '' } : undefined,
    connectionTimeout: TIMEOUT_MS,
    greetingTimeout: TIMEOUT_MS,
    socketTimeout: TIMEOUT_MS,
  });
  try {
    await transport.sendMail({ from: settings.from, to: settings.to, subject: message.subject, text: message.text });
  } catch (error) {
    throw new DeliveryError(`SMTP: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    transport.close();
  }
}
