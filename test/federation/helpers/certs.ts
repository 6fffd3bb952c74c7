// A throwaway certificate authority and one certificate per test host, made with the
// openssl CLI (node:crypto cannot issue X.509 certificates).
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

export interface TestPki {
  ca: string;
  certs: Map<string, { key: string; cert: string }>;
}

function openssl(dir: string, args: string[]): void {
  execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
}

export function makeTestPki(hostnames: string[]): TestPki {
  const dir = mkdtempSync(path.join(tmpdir(), "weft-pki-"));
  try {
    openssl(dir, ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt", "-days", "2", "-subj", "/CN=Weft Test CA"]);
    const certs = new Map<string, { key: string; cert: string }>();
    for (const host of hostnames) {
      writeFileSync(path.join(dir, `${host}.ext`), `subjectAltName=DNS:${host}\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n`);
      openssl(dir, ["req", "-newkey", "rsa:2048", "-nodes", "-keyout", `${host}.key`, "-out", `${host}.csr`, "-subj", `/CN=${host}`]);
      openssl(dir, ["x509", "-req", "-in", `${host}.csr`, "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-out", `${host}.crt`, "-days", "2", "-extfile", `${host}.ext`]);
      certs.set(host, { key: readFileSync(path.join(dir, `${host}.key`), "utf8"), cert: readFileSync(path.join(dir, `${host}.crt`), "utf8") });
    }
    return { ca: readFileSync(path.join(dir, "ca.crt"), "utf8"), certs };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
