/** @hysope/gateway-status: the gateway connection (token IHysopeGateway) and its status bar item. */
import { gatewayPlugin } from './plugins/gateway.js';
import { statusPlugin } from './plugins/status.js';

export * from './tokens.js';
export default [gatewayPlugin, statusPlugin];
