// Which addresses Weft may connect to (media proxy, document fetches, deliveries). A
// fediverse post or actor names any URL it likes; without this check a remote server could
// make Weft fetch its own admin ports, the cloud metadata service (169.254.169.254) or the
// LAN behind it (SSRF).
import dns from "node:dns";
import net from "node:net";

const blocked = new net.BlockList();
for (const [prefix, bits] of [
  ["0.0.0.0", 8], // "this network"
  ["10.0.0.0", 8],
  ["100.64.0.0", 10], // carrier-grade NAT
  ["127.0.0.0", 8],
  ["169.254.0.0", 16], // link-local, cloud metadata
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.0.2.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["198.51.100.0", 24],
  ["203.0.113.0", 24],
  ["224.0.0.0", 4], // multicast
  ["240.0.0.0", 4], // reserved, broadcast
] as const) {
  blocked.addSubnet(prefix, bits, "ipv4");
}
for (const [prefix, bits] of [
  ["::", 128],
  ["::1", 128],
  ["64:ff9b::", 96], // NAT64 (embeds an IPv4 address)
  ["100::", 64], // discard
  ["2001:db8::", 32], // documentation
  ["2002::", 16], // 6to4 (embeds an IPv4 address)
  ["fc00::", 7], // unique local (ULA)
  ["fe80::", 10], // link-local
  ["fec0::", 10], // old site-local
  ["ff00::", 8], // multicast
] as const) {
  blocked.addSubnet(prefix, bits, "ipv6");
}

/** True for loopback, private, link-local, ULA, mapped and other non-public addresses. */
export function isPrivateAddress(address: string): boolean {
  const family = net.isIP(address);
  if (family === 0) return true;
  if (family === 4) return blocked.check(address, "ipv4");
  const lower = address.toLowerCase();
  // IPv4-mapped and -compatible forms (::ffff:127.0.0.1, ::ffff:7f00:1) are the IPv4 address.
  const mapped = /^(?:0*:)*:?(?:ffff:)?(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  if (mapped) return net.isIP(mapped[1]) !== 4 || blocked.check(mapped[1], "ipv4");
  if (lower.startsWith("::ffff:")) return true;
  return blocked.check(address, "ipv6");
}

export class PrivateAddressError extends Error {
  constructor(host: string) {
    super(`${host} resolves to a private or local address`);
  }
}

/**
 * A `lookup` for node:http that refuses private addresses. Checking at connect time (not
 * before the request) leaves no gap for DNS rebinding between the check and the use.
 */
export function safeLookup(allowPrivate: boolean, lookup: typeof dns.lookup = dns.lookup): net.LookupFunction {
  return (hostname, options, callback) => {
    lookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, "", 4);
      const list = addresses as unknown as dns.LookupAddress[];
      if (list.length === 0) return callback(new Error(`${hostname} has no address`) as NodeJS.ErrnoException, "", 4);
      if (!allowPrivate && list.some((a) => isPrivateAddress(a.address))) {
        return callback(new PrivateAddressError(hostname) as NodeJS.ErrnoException, "", 4);
      }
      if ((options as dns.LookupOptions).all) return (callback as unknown as (e: null, a: dns.LookupAddress[]) => void)(null, list);
      callback(null, list[0].address, list[0].family);
    });
  };
}
