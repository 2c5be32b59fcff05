import { startServer } from '../lib/proc.js';
import { runLoad } from '../lib/wrk.js';
const s = await startServer(['node', '/work/main/bench/servers/ceiling.mjs'], { cpu: 0 });
console.log(s.url);
for (let i = 0; i < 2; i++) console.log(await runLoad({ url: s.url + '/x', bodiesFile: '/tmp/bodies.txt', expect: '"valid":true', seconds: 5, connections: 50, cpu: 1, serverPid: s.pid }));
await s.stop();
