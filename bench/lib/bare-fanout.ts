// The fan-out's ceiling, run as a child process: sign (draft-cavage, RSA-2048, node:crypto)
// and POST the same activity to every shared inbox at once over node:http keep-alive, and
// nothing else: no queue, no database, no retries. Prints one JSON line when every live
// server has answered: its start time (epoch ms) and the CPU seconds it used from there.
//   node bench/lib/bare-fanout.ts <job.json>   job: { inboxes: string[], live: number, body: string, timeoutMs: number }
import { generateKeyPairSync } from "node:crypto";
import http from "node:http";
import { readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { signPost } from "./cavage.ts";

const job = JSON.parse(readFileSync(process.argv[2], "utf8")) as { inboxes: string[]; live: number; body: string; timeoutMs: number };
const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });
const started = performance.timeOrigin + performance.now();
const cpu0 = process.cpuUsage();
let answered = 0;
let failed = 0;
const finish = () => {
  const cpu = process.cpuUsage(cpu0);
  process.stdout.write(JSON.stringify({ started, answered, failed, cpuSeconds: (cpu.user + cpu.system) / 1e6 }) + "\n", () => process.exit(0));
};
for (const inbox of job.inboxes) {
  const url = new URL(inbox);
  const headers = signPost(url, job.body, "http://bare.invalid/actor#main-key", privateKey);
  const req = http.request(url, { method: "POST", agent, headers: { ...headers, "content-length": Buffer.byteLength(job.body) } }, (res) => {
    res.resume();
    res.on("end", () => {
      if (res.statusCode === 202) answered++;
      else failed++;
      if (answered + failed >= job.live) finish();
    });
  });
  // A dead server is given up after the timeout; it never counts as answered.
  req.setTimeout(job.timeoutMs, () => req.destroy());
  req.on("error", () => {});
  req.end(job.body);
}
