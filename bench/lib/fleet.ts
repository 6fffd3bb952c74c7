// The bench side of the fake remote fleet (fleet-server.ts, a forked child): start it, mark
// servers dead, read the acknowledged deliveries, and sign as its actors.
import { fork, type ChildProcess } from "node:child_process";
import { createPrivateKey, type KeyObject } from "node:crypto";
import path from "node:path";
import type { FleetConfig, FleetRequest, Receipt } from "./fleet-server.ts";

export type { Receipt } from "./fleet-server.ts";

export interface Fleet {
  pid: number;
  /** Origin of the actor server: actor(name) is a Person for any name. */
  actorOrigin: string;
  actorUri(name: string): string;
  keyId(name: string): string;
  /** The private key every fleet actor signs with. */
  privateKey: KeyObject;
  /** The inbox servers' shared inboxes, one origin each. */
  sharedInboxes: string[];
  setDead(indices: number[]): Promise<void>;
  receipts(): Promise<{ receipts: Receipt[]; actorFetches: number }>;
  reset(): Promise<void>;
  stop(): Promise<void>;
}

export async function startFleet(config: FleetConfig): Promise<Fleet> {
  const child: ChildProcess = fork(path.join(import.meta.dirname, "fleet-server.ts"), [JSON.stringify(config)], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  const ready = await new Promise<{ actorOrigin: string; ports: number[]; privateKeyPkcs8: string }>((resolve, reject) => {
    child.once("message", (m: any) => (m?.type === "ready" ? resolve(m) : reject(new Error(`fleet: ${JSON.stringify(m)}`))));
    child.once("exit", (code) => reject(new Error(`fleet exited with ${code} before it was ready`)));
  });
  // One request at a time over IPC: each command waits for its own answer.
  let chain: Promise<unknown> = Promise.resolve();
  const ask = <T>(msg: FleetRequest): Promise<T> => {
    const p = chain.then(() => new Promise<T>((resolve) => {
      child.once("message", (m) => resolve(m as T));
      child.send(msg);
    }));
    chain = p.catch(() => {});
    return p;
  };
  const actorUri = (name: string) => `${ready.actorOrigin}/users/${name}`;
  return {
    pid: child.pid!,
    actorOrigin: ready.actorOrigin,
    actorUri,
    keyId: (name) => `${actorUri(name)}#main-key`,
    privateKey: createPrivateKey({ key: Buffer.from(ready.privateKeyPkcs8, "base64"), format: "der", type: "pkcs8" }),
    sharedInboxes: ready.ports.map((p) => `http://127.0.0.1:${p}/inbox`),
    setDead: async (indices) => void (await ask({ type: "dead", indices })),
    receipts: () => ask({ type: "receipts" }),
    reset: async () => void (await ask({ type: "reset" })),
    async stop() {
      if (child.exitCode !== null) return;
      child.disconnect();
      const killer = setTimeout(() => child.kill("SIGKILL"), 5000);
      await exited;
      clearTimeout(killer);
    },
  };
}
