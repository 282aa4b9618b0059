// The mail server of the portal's browser tests (start-portal.sh runs it before the gateway): a real SMTP server
// on a fixed port that keeps each message as a file (HYSOPE_UI_MAIL_DIR), so a test in another process reads what
// the gateway sent.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startSmtpReceiver } from '../alert-receivers.js';

const dir = process.env['HYSOPE_UI_MAIL_DIR']!;
mkdirSync(dir, { recursive: true });
let n = 0;
const smtp = await startSmtpReceiver({
  port: Number(process.env['HYSOPE_UI_SMTP_PORT'] ?? 8094),
  onMail: (mail) => writeFileSync(path.join(dir, `${String(++n).padStart(4, '0')}.json`), JSON.stringify(mail))
});
console.log(`SMTP server at ${smtp.url}, mails in ${dir}`);
process.on('SIGTERM', () => void smtp.stop().then(() => process.exit(0)));
