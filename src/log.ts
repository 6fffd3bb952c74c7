// Structured logs: one JSON object a line on stderr, through LogTape (which Fedify also
// logs through). Configured once by the composition root.
import { AsyncLocalStorage } from "node:async_hooks";
import { configure, getLogger, type LogRecord, type Logger } from "@logtape/logtape";

let configured = false;

export async function setupLogging(level: "debug" | "info" | "warning" | "error"): Promise<void> {
  if (configured) return;
  configured = true;
  const jsonSink = (record: LogRecord) => {
    const msg = record.message.map((m) => (typeof m === "string" ? m : JSON.stringify(m))).join("");
    process.stderr.write(
      JSON.stringify({ time: new Date(record.timestamp).toISOString(), level: record.level, logger: record.category.join("."), msg, ...record.properties }) + "\n",
    );
  };
  await configure({
    reset: true,
    contextLocalStorage: new AsyncLocalStorage(),
    sinks: { json: jsonSink },
    loggers: [
      { category: ["weft"], lowestLevel: level, sinks: ["json"] },
      { category: ["fedify"], lowestLevel: level === "debug" ? "info" : "warning", sinks: ["json"] },
      { category: ["logtape", "meta"], lowestLevel: "warning", sinks: ["json"] },
    ],
  });
}

export function logger(...category: string[]): Logger {
  return getLogger(["weft", ...category]);
}
