import type { AlertNotification } from '@hysope/api';
import type { JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { Notification } from '@jupyterlab/apputils';
import { ITranslator, nullTranslator, type TranslationBundle } from '@jupyterlab/translation';
import { IHysopeGateway } from '../tokens.js';

const POLL_MS = 60_000;
/** At most this many alerts shown one by one; more are summed up in one notification. */
const SHOWN = 3;

/** What an alert says, in the lab's language. */
export function alertText(trans: TranslationBundle, a: AlertNotification): string {
  const what = a.observation?.variable ? a.observation.variable.replace(/_/g, ' ') : trans.__('water surface elevation');
  const units = a.observation?.units ?? 'm';
  const condition =
    a.condition === 'new'
      ? trans.__('new observation')
      : a.condition === 'above'
        ? trans.__('%1 above %2 %3', what, a.threshold ?? '', units)
        : a.condition === 'below'
          ? trans.__('%1 below %2 %3', what, a.threshold ?? '', units)
          : a.condition === 'quality'
            ? trans.__('quality worse than %1', ['good', 'suspect', 'degraded'][a.threshold ?? 0] ?? '')
            : a.condition === 'silence'
              ? trans.__('no data for %1 days', a.threshold ?? '')
              : a.condition;
  return trans.__('HYSOPE alert: %1 %2, %3', a.feature, a.feature_id, condition);
}

/**
 * The person's alerts (subscriptions made in the portal or over the API) shown in the lab as notifications:
 * those not shown yet in this browser, read when the lab opens and every minute, each with a link to its page.
 */
export const alertsPlugin: JupyterFrontEndPlugin<void> = {
  id: '@hysope/gateway-status:alerts',
  description: "Shows the person's HYSOPE alerts (new observations, thresholds) as lab notifications.",
  autoStart: true,
  requires: [IHysopeGateway],
  optional: [ITranslator],
  activate: (app: JupyterFrontEnd, gateway: IHysopeGateway, translator: ITranslator | null) => {
    const trans = (translator ?? nullTranslator).load('hysope');
    const seenKey = () => `hysope-alerts-seen:${gateway.baseUrl}`;
    const seen = (): number => Number(window.localStorage.getItem(seenKey()) ?? 0) || 0;
    let polling = false;
    let shown = 0;
    const poll = async () => {
      if (polling || !gateway.token || !gateway.baseUrl) return;
      polling = true;
      try {
        const res = await fetch(`${gateway.baseUrl}/notifications?limit=50`, { headers: { Authorization: `token ${gateway.token}` } });
        // Anonymous or a key without an inbox: nothing to show (never an error in the lab for that).
        if (!res.ok) return;
        const fresh = ((await res.json()) as { notifications: AlertNotification[] }).notifications.filter((a) => a.id > seen()).sort((a, b) => a.id - b.id);
        // How many were shown since the lab opened, once read (for whoever checks the lab from outside: UI tests).
        shown += fresh.length;
        document.body.dataset['hysopeAlertsShown'] = String(shown);
        if (!fresh.length) return;
        window.localStorage.setItem(seenKey(), String(fresh[fresh.length - 1]!.id));
        for (const a of fresh.slice(-SHOWN)) {
          Notification.info(alertText(trans, a), {
            autoClose: false,
            actions: [{ label: trans.__('Open its page'), callback: () => window.open(a.link, '_blank', 'noopener') }]
          });
        }
        if (fresh.length > SHOWN)
          Notification.info(trans.__('%1 more HYSOPE alerts: see your account in the portal.', fresh.length - SHOWN), { autoClose: false });
      } catch {
        // The gateway out of reach: its status item says so.
      } finally {
        polling = false;
      }
    };
    void app.restored.then(poll);
    gateway.changed.connect(() => void poll());
    window.setInterval(() => void poll(), POLL_MS);
  }
};
