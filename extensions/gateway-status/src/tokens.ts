import type { HysopeClient } from '@hysope/api';
import { Token } from '@lumino/coreutils';
import type { ISignal } from '@lumino/signaling';

/** The gateway connection every HYSOPE extension uses (one client, configured once). */
export interface IHysopeGateway {
  /** Base URL of the gateway. */
  readonly baseUrl: string;
  /** API key or hub token sent to the gateway, if any (asset URLs read by DuckDB-WASM carry it as `api_key`). */
  readonly token: string | undefined;
  /** The typed client of `@hysope/api`. */
  readonly client: HysopeClient;
  /** Whether the last check reached the gateway. */
  readonly reachable: boolean | null;
  /** Emitted when the URL, the token or the reachability changes. */
  readonly changed: ISignal<IHysopeGateway, void>;
  /** Checks the gateway with one cheap call (`GET /stac`). */
  check(): Promise<boolean>;
}

/** The gateway connection token. */
export const IHysopeGateway = new Token<IHysopeGateway>(
  '@hysope/gateway-status:IHysopeGateway',
  'The HYSOPE gateway connection: URL, token and a typed client.'
);

/** Command ids. */
export const CommandIDs = { check: 'hysope-gateway:check' } as const;
