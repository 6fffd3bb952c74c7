// htmlToText reads sanitizeRemoteHtml's output without parsing it again: for every string
// in the fixtures and a set of hostile ones, it must give what sanitize-html's own reading
// (all tags dropped) gives.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import sanitizeHtml from "sanitize-html";
import { decodeEscapes, htmlToText, sanitizeRemoteHtml, withLineBreaks } from "../../src/federation/sanitize.ts";
import { jsonFiles } from "./helpers/remote-fixtures.ts";

/** The reading htmlToText replaced: sanitize-html with no tag allowed. */
function parsedText(html: string): string {
  return decodeEscapes(sanitizeHtml(withLineBreaks(html), { allowedTags: [], allowedAttributes: {} }));
}

const HOSTILE = [
  "<p>a &amp;lt; b &gt; c &quot;q&quot; &#39;s&#39; &nbsp; &hellip; &#x3C;script&#x3E;</p>",
  "<a href=\"https://x/?a=1&b=<>'&quot;\" title=\"a>b\">x > y</a>",
  "<p>x</p><script>alert(1)</script><style>p{}</style><textarea>t</textarea><option>o</option>",
  "a <b>unclosed <i>tags",
  "<p>1</p>  \n <p class='x'>2</p><br/>3<BR>4",
  "<img src=x onerror=alert(1)>hi",
  "<!-- c -->x<![CDATA[y]]>",
  "<a href=\"javascript:alert(1)\">j</a>",
  "&lt;b&gt;not a tag&lt;/b&gt;",
  "<p>ünïcödé 😀 \u00a0</p>",
  "<span class=\"h-card\"><a href=\"https://x\" class=\"u-url mention\">@<span>x</span></a></span>",
  "<pre><code>if (a < b && c > d) {}</code></pre>",
  "<title>t</title>x<noscript>n</noscript>y<template>t</template><iframe>i</iframe><object>o</object>",
  "<p a='>'>quoted bracket</p><p b=\">\">and another</p>",
  "<<p>>double<</p>>",
];

function fixtureStrings(): string[] {
  const out: string[] = [];
  const collect = (v: unknown): void => {
    if (typeof v === "string") out.push(v);
    else if (v && typeof v === "object") for (const x of Object.values(v)) collect(x);
  };
  for (const f of jsonFiles(path.join(import.meta.dirname, "..", "fixtures"))) {
    try {
      collect(JSON.parse(readFileSync(f, "utf8")));
    } catch {
      // not JSON
    }
  }
  return out;
}

test("htmlToText of sanitized HTML is sanitize-html's own text, for every fixture string and hostile ones", () => {
  const strings = [...fixtureStrings(), ...HOSTILE];
  assert.ok(strings.length > 1000);
  for (const s of strings) {
    const clean = sanitizeRemoteHtml(s);
    assert.equal(htmlToText(clean), parsedText(clean), s.slice(0, 200));
  }
  assert.equal(htmlToText(sanitizeRemoteHtml("<p>a &amp; b</p><p>c</p>")), "a & b\n\nc");
});
