// A tiny browser for tests: plain fetch with a cookie jar, no redirects followed unless
// asked, and the CSRF token read from a page like a browser would submit it.
export interface Page {
  status: number;
  text: string;
  location: string | null;
  headers: Headers;
}

export class Client {
  readonly base: string;
  readonly jar = new Map<string, string>();
  /** Sent with every request (e.g. X-Forwarded-For behind a pretend proxy). */
  readonly headers: Record<string, string>;
  constructor(base: string, opts: { headers?: Record<string, string> } = {}) {
    this.base = base;
    this.headers = opts.headers ?? {};
  }

  #store(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(";");
      const eq = pair.indexOf("=");
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attrs.some((a) => /^\s*max-age=0\s*$/i.test(a) || (/^\s*expires=/i.test(a) && Date.parse(a.split("=")[1]) < Date.now()));
      if (expired || value === "") this.jar.delete(name);
      else this.jar.set(name, value);
    }
  }

  async fetch(path: string, init: RequestInit = {}): Promise<Page> {
    const headers = new Headers(init.headers);
    for (const [k, v] of Object.entries(this.headers)) if (!headers.has(k)) headers.set(k, v);
    if (this.jar.size) headers.set("cookie", [...this.jar].map(([k, v]) => `${k}=${v}`).join("; "));
    const res = await fetch(new URL(path, this.base), { ...init, headers, redirect: "manual" });
    this.#store(res);
    return { status: res.status, text: await res.text(), location: res.headers.get("location"), headers: res.headers };
  }

  get(path: string): Promise<Page> {
    return this.fetch(path);
  }

  /** GET, following redirects (as a browser would after a 303). */
  async follow(path: string): Promise<Page> {
    let p = await this.get(path);
    for (let i = 0; i < 5 && p.location && p.status >= 300 && p.status < 400; i++) p = await this.get(p.location);
    return p;
  }

  /** The CSRF token a page carries (every page has one in its forms when logged in). */
  async token(path = "/"): Promise<string> {
    let p = await this.get(path);
    if (!/name="_csrf"/.test(p.text)) p = await this.get("/login");
    if (!/name="_csrf"/.test(p.text)) p = await this.get("/");
    const m = /name="_csrf" value="([^"]*)"/.exec(p.text);
    if (!m) throw new Error(`no CSRF token on ${path}`);
    return m[1];
  }

  /** POSTs a form; `_csrf` is filled in from a fresh page unless given (null: leave it out). */
  async post(path: string, fields: Record<string, string>, opts: { csrf?: string | null } = {}): Promise<Page> {
    const body = new URLSearchParams(fields);
    const csrf = opts.csrf === undefined ? await this.token() : opts.csrf;
    if (csrf !== null) body.set("_csrf", csrf);
    return this.fetch(path, { method: "POST", body, headers: { "content-type": "application/x-www-form-urlencoded" } });
  }

  /** POSTs a multipart form (files as [name, bytes, filename, type]); `_csrf` filled in. */
  async postMultipart(path: string, fields: Record<string, string>, files: [string, Uint8Array, string, string][] = []): Promise<Page> {
    const form = new FormData();
    form.set("_csrf", await this.token());
    for (const [k, v] of Object.entries(fields)) form.append(k, v);
    for (const [name, bytes, filename, type] of files) form.append(name, new Blob([bytes as Uint8Array<ArrayBuffer>], { type }), filename);
    return this.fetch(path, { method: "POST", body: form });
  }

  async signup(username: string, password = "correct horse battery", displayName = ""): Promise<Page> {
    return this.post("/signup", { username, password, display_name: displayName });
  }

  async login(username: string, password = "correct horse battery"): Promise<Page> {
    return this.post("/login", { username, password });
  }

  /** Writes a post through the composer and returns its id (from the redirect). */
  async postText(text: string, extra: Record<string, string> = {}): Promise<string> {
    const r = await this.post("/compose", { text, ...extra });
    if (r.status !== 303 || !r.location) throw new Error(`post failed: ${r.status} ${r.text.slice(0, 500)}`);
    const m = /\/posts\/(\d{18})/.exec(r.location);
    if (!m) throw new Error(`no post id in ${r.location}`);
    return m[1];
  }
}

/** The ids of the posts (articles) on a page, in order. */
export function articleIds(html: string): string[] {
  return [...html.matchAll(/<article class="post[^"]*" id="post-(\d{18})"/g)].map((m) => m[1]);
}
