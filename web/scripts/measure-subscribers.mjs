// Memory the server spends per connected UI subscriber: its RSS with no
// event WebSocket, then with N of them open (each subscribed to the team's
// first cluster, as the clusters page is), after settling.
// Usage: SB_URL=http://127.0.0.1:PORT SB_RUN_DIR=... SB_SERVER_PID=PID node scripts/measure-subscribers.mjs [N]
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { http, runDir, sleep, websocketHandshake, wsTextFrame } from "../tests/support.mjs";

const count = Number(process.argv[2] ?? 100);
const pid = process.env.SB_SERVER_PID;
if (!pid) throw new Error("set SB_SERVER_PID to the server's process id");
const rssKb = () => Number(readFileSync(`/proc/${pid}/status`, "utf8").match(/VmRSS:\s+(\d+)/)[1]);

const token = readFileSync(join(runDir, "api-token"), "utf8").trim();
const auth = { Authorization: `Bearer ${token}` };
const team = (await http("GET", "/api/v1/teams", { headers: auth })).json.items[0].id;
const cluster = (await http("GET", `/api/v1/teams/${team}/clusters`, { headers: auth })).json.items[0].id;

await sleep(1000);
const before = rssKb();
const sockets = [];
for (let i = 0; i < count; i++) {
  const { status, socket } = await websocketHandshake(`/api/v1/teams/${team}/events`, auth);
  if (status !== 101) throw new Error(`handshake ${i} answered ${status}`);
  const answered = new Promise((resolve) => socket.once("data", resolve));
  socket.write(wsTextFrame(JSON.stringify({ type: "subscribe", topic: `cluster:${cluster}` })));
  await answered;
  sockets.push(socket);
}
await sleep(2000);
const after = rssKb();
const metrics = (await http("GET", "/metrics")).text.match(/^sb_events_subscribers (\S+)/m)?.[1];
console.log(`server RSS: ${before} KiB with 0 subscribers, ${after} KiB with ${count} (server counts ${metrics}); ` +
  `${(((after - before) * 1024) / count / 1024).toFixed(1)} KiB per subscriber`);
for (const s of sockets) s.destroy();
