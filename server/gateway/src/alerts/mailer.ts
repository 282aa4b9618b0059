// E-mail for alerts: SMTP through nodemailer (`HYSOPE_SMTP_URL`, e.g. smtp://user:pass@mail.example.org:587),
// from `HYSOPE_SMTP_FROM`. Without a URL, alerts go to the portal and webhooks only.
import nodemailer from 'nodemailer';
import type { Mailer } from './subscriptions.js';

export function smtpMailer(url: string, from: string): Mailer {
  const transport = nodemailer.createTransport(url);
  return {
    async send(m) {
      await transport.sendMail({ from, to: m.to, subject: m.subject, text: m.text, headers: m.headers });
    }
  };
}
