// A plain static web server for a workshop site (express.static: files, ranges, no HYSOPE code), as any host
// would serve the folder `hysope export-static --lab` wrote. Usage: tsx static-site.ts DIR PORT
import express from 'express';

const [dir, port] = process.argv.slice(2);
if (!dir || !port) throw new Error('usage: static-site.ts DIR PORT');
const app = express();
app.use(express.static(dir));
app.listen(Number(port), '127.0.0.1');
