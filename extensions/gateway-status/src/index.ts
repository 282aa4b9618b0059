/** @hysope/gateway-status: the gateway connection (token IHysopeGateway), its status bar item and the person's alerts. */
import { gatewayPlugin } from './plugins/gateway.js';
import { alertsPlugin } from './plugins/alerts.js';
import { statusPlugin } from './plugins/status.js';

export * from './tokens.js';
export default [gatewayPlugin, statusPlugin, alertsPlugin];
