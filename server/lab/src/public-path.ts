// Chunks load from where the server put the bundle (page config `fullStaticUrl`), whatever the base URL.
import { PageConfig } from '@jupyterlab/coreutils';

declare let __webpack_public_path__: string;
// eslint-disable-next-line prefer-const -- webpack reads this free variable, so it is assigned, not declared
__webpack_public_path__ = `${PageConfig.getOption('fullStaticUrl')}/`;
