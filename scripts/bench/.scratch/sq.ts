import { mkdtempSync, rmSync } from 'node:fs';
import { sqlitePeer } from '../sqlite-peer.ts';
const d = mkdtempSync('/tmp/sq-');
console.log(sqlitePeer(d, 2, 1));
console.log(sqlitePeer(d, 2, 50));
rmSync(d, { recursive: true });
