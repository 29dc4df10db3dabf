import { apiWrites } from '../api-writes.ts';
import { installCleanup, tempDir } from '../cleanup.ts';
installCleanup();
const r = await apiWrites({ dataDir: tempDir('w'), connections: [10, 50], seconds: 3, warmupRequests: 300, log: console.log });
console.log(JSON.stringify(r, null, 1));
