// Composition root for a running process: config -> Weft -> HTTP server and/or worker,
// with graceful shutdown on SIGTERM and SIGINT.
import { serve, type ServerType } from "@hono/node-server";
import { createWeft, type Weft } from "./app.ts";
import type { Config } from "./config.ts";
import { logger, setupLogging } from "./log.ts";
import type { Server as HttpServer } from "node:http";
import { attachStreaming, type Streaming } from "./api/mastodon/streaming/socket.ts";

export interface Running {
  weft: Weft;
  server: ServerType | null;
  port: number;
  stop(): Promise<void>;
}

export async function startServer(config: Config, opts: { http?: boolean } = {}): Promise<Running> {
  await setupLogging(config.logLevel);
  const log = logger("main");
  const weft = await createWeft(config);
  await weft.start();
  let server: ServerType | null = null;
  let port = config.port;
  let streaming: Streaming | null = null;
  if (opts.http !== false) {
    await new Promise<void>((resolve) => {
      server = serve({ fetch: weft.app.fetch, port: config.port, hostname: config.listenHost }, (info) => {
        port = info.port;
        resolve();
      });
    });
    // The client API's WebSocket streaming needs the server's upgrade event.
    streaming = attachStreaming(server as unknown as HttpServer, weft);
    log.info("Weft is listening on {origin} (port {port})", { origin: config.origin, port });
  } else {
    log.info("Weft worker started for {origin}", { origin: config.origin });
  }
  let stopping: Promise<void> | null = null;
  const stop = () =>
    (stopping ??= (async () => {
      log.info("shutting down");
      streaming?.close();
      if (server) await new Promise<void>((r) => server!.close(() => r()));
      await weft.close();
    })());
  return { weft, server, port, stop };
}

/** Stops cleanly on SIGTERM/SIGINT: stop taking requests, finish running jobs, close the db. */
export function stopOnSignals(running: Running): void {
  const onSignal = (sig: string) => {
    logger("main").info("received {sig}", { sig });
    running.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
    // A second signal, or a shutdown that hangs, ends the process anyway.
    setTimeout(() => process.exit(1), 15_000).unref();
  };
  process.once("SIGTERM", () => onSignal("SIGTERM"));
  process.once("SIGINT", () => onSignal("SIGINT"));
}
