// Calm, single column, system fonts. Colours meet WCAG AA on white: text #1a1a1a
// (17:1), muted #555 (7.5:1), links #0b57d0 (6.3:1), errors #a4161a (7.8:1); control
// borders #8a8a8a (3.4:1, WCAG 1.4.11 non-text contrast).
export const CSS = `
*,*::before,*::after{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;background:#fff;color:#1a1a1a;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
a{color:#0b57d0}
a:hover{text-decoration-thickness:2px}
:focus-visible{outline:3px solid #0b57d0;outline-offset:2px;border-radius:3px}
.skip{position:absolute;left:-9999px;top:0}
.visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
.skip:focus{left:8px;top:8px;background:#fff;padding:8px 12px;z-index:10}
header.site{max-width:640px;margin:0 auto;padding:12px 16px;display:flex;flex-wrap:wrap;gap:4px 16px;align-items:center;border-bottom:1px solid #e2e2e2}
.brand{font-weight:700;font-size:1.25rem;color:#1a1a1a;text-decoration:none;margin-right:auto}
header.site ul{list-style:none;margin:0;padding:0;display:flex;flex-wrap:wrap;gap:2px 14px;align-items:center}
header.site a{text-decoration:none}
header.site a[aria-current=page]{font-weight:700;color:#1a1a1a;text-decoration:underline;text-underline-offset:4px}
.badge{display:inline-block;min-width:1.4em;padding:0 6px;border-radius:999px;background:#a4161a;color:#fff;font-size:.8rem;font-weight:700;text-align:center;line-height:1.5}
main{display:block;max-width:640px;margin:0 auto;padding:16px}
main:focus{outline:none}
footer.site{max-width:640px;margin:24px auto;padding:16px;border-top:1px solid #e2e2e2;font-size:.9rem}
h1{font-size:1.5rem;line-height:1.25;margin:8px 0 16px}
h2{font-size:1.15rem;margin:24px 0 8px}
p{margin:0 0 12px}
.muted{color:#555}
.error{color:#a4161a;background:#fdecec;border:1px solid #f3c2c2;padding:10px 12px;border-radius:8px}
.notice{color:#0f5132;background:#e8f5ee;border:1px solid #b7dfc8;padding:10px 12px;border-radius:8px}
form.inline{display:inline}
main form:not(.inline){margin-bottom:16px}
label{display:block;font-weight:600;margin:12px 0 4px}
label.check{display:flex;gap:8px;align-items:flex-start;font-weight:400}
label.check input{margin-top:5px}
input[type=text],input[type=password],input[type=search],input[type=email],textarea,select{width:100%;font:inherit;color:#1a1a1a;background:#fff;border:1px solid #8a8a8a;border-radius:8px;padding:8px 10px}
textarea{min-height:6.5em;resize:vertical}
.hint{font-size:.875rem;color:#555;margin:4px 0 0}
button,.button{font:inherit;font-weight:600;cursor:pointer;border-radius:999px;border:1px solid #1a1a1a;background:#1a1a1a;color:#fff;padding:7px 18px;text-decoration:none;display:inline-block;line-height:1.4}
button.secondary,.button.secondary{background:#fff;color:#1a1a1a;border-color:#8a8a8a}
button.danger{background:#fff;color:#a4161a;border-color:#a4161a}
button.link{background:none;border:none;color:#0b57d0;padding:0;font-weight:400;text-decoration:underline;border-radius:3px}
header.site button.link{text-decoration:none}
.row{display:flex;flex-wrap:wrap;gap:8px;align-items:center;margin-top:12px}
.composer{border:1px solid #e2e2e2;border-radius:12px;padding:12px 14px;margin-bottom:16px}
.composer label:first-of-type{margin-top:0}
.counter{margin-left:auto;font-size:.875rem;color:#555}
.feed{list-style:none;margin:0;padding:0}
article.post{border:1px solid #e2e2e2;border-radius:12px;padding:12px 14px;margin:0 0 12px;overflow-wrap:anywhere}
article.post.focus{border-color:#8a8a8a;border-width:2px}
article.post article.post{margin:10px 0 0;background:#fafafa}
.post-head{display:flex;flex-wrap:wrap;gap:0 6px;align-items:baseline;font-size:.95rem}
.post-head .name{font-weight:700;color:#1a1a1a;text-decoration:none}
.post-head .name:hover{text-decoration:underline}
.post-head .handle,.post-head time,.post-head .sep{color:#555}
.post-head .when{margin-left:auto;color:#555;text-decoration:none;font-size:.9rem}
.context{font-size:.875rem;color:#555;margin:0 0 4px}
.post-body{margin:6px 0 0}
.post-body p{margin:0 0 8px}
.post-body p:last-child{margin-bottom:0}
.actions{display:flex;flex-wrap:wrap;gap:6px;margin:10px 0 0;padding:0;list-style:none}
.actions li{display:inline}
.actions button,.actions a{font-size:.875rem;font-weight:500;padding:3px 12px;border:1px solid #8a8a8a;border-radius:999px;background:#fff;color:#1a1a1a;text-decoration:none;display:inline-block;line-height:1.5}
.actions button[aria-pressed=true]{background:#eef3fd;border-color:#0b57d0;color:#0b3d91}
.actions .danger,a.danger{color:#a4161a}
.edited{font-size:.85rem;color:#555}
.thread .replies{margin-top:8px}
article.post.depth-1{margin-left:12px}article.post.depth-2{margin-left:24px}article.post.depth-3{margin-left:36px}
article.post.depth-1,article.post.depth-2,article.post.depth-3{border-left:3px solid #c4c4c4}
.profile-head{margin-bottom:16px}
.profile-head h1{margin-bottom:0}
.profile-head .handle{color:#555;margin:0 0 8px;overflow-wrap:anywhere}
.fedi-badge{display:inline-block;font-size:.8rem;font-weight:600;border:1px solid #6741d9;color:#4c2a9e;border-radius:999px;padding:0 8px;margin-left:6px;vertical-align:middle}
.counts{display:flex;gap:16px;flex-wrap:wrap;margin:8px 0}
.tabs{display:flex;gap:16px;border-bottom:1px solid #e2e2e2;margin:16px 0;padding:0;list-style:none}
.tabs a{display:inline-block;padding:6px 2px;text-decoration:none;color:#555}
.tabs a[aria-current=page]{color:#1a1a1a;font-weight:700;border-bottom:3px solid #1a1a1a}
.people{list-style:none;padding:0;margin:0}
.people>li{display:flex;flex-wrap:wrap;gap:8px;align-items:center;justify-content:space-between;padding:10px 0;border-bottom:1px solid #eee}
.notes{list-style:none;margin:0;padding:0}
.note{padding:12px 0;border-bottom:1px solid #eee}
.note.unread{background:#f4f7fe;margin:0 -8px;padding:12px 8px;border-radius:8px}
.note-line{margin:0}
.note article.post{margin:8px 0 0;background:#fff}
.pager{margin:16px 0;text-align:center}
.steps{color:#555;font-size:.9rem}
.explainer li{margin-bottom:6px}
.search-form{display:flex;gap:8px;align-items:flex-end}
.search-form div{flex:1}
.history article.post{background:#fff}
.post-head{align-items:center}
.avatar{display:inline-block;flex:none;border-radius:50%;object-fit:cover;background:#e2e2e2}
.avatar.s40{width:40px;height:40px}.avatar.s96{width:96px;height:96px}
.avatar.placeholder{display:inline-flex;align-items:center;justify-content:center;color:#1a1a1a;font-weight:700;background:#dfe6f2}
.avatar.placeholder.s96{font-size:2.5rem}
.person{display:inline-flex;align-items:center;gap:8px;flex-wrap:wrap}
.avatar-link{text-decoration:none;margin-right:4px}
.visibility{font-size:.8rem;color:#555;border:1px solid #8a8a8a;border-radius:999px;padding:0 8px}
.media-grid{list-style:none;margin:10px 0 0;padding:0;display:grid;gap:4px;grid-template-columns:1fr 1fr}
.media-grid.n1{grid-template-columns:1fr}
.media-grid li{position:relative;margin:0}
.media-grid img,.media-grid video{display:block;width:100%;height:auto;max-height:560px;object-fit:cover;border-radius:8px;background:#eee}
.media-grid.n1 img{object-fit:contain}
.media-grid:not(.n1) img{aspect-ratio:1/1;object-fit:cover}
.media-grid .full-size{display:block}
${focalPointClasses()}
.alt{position:absolute;left:6px;bottom:6px;max-width:calc(100% - 12px)}
.alt summary{list-style:none;cursor:pointer;background:#1a1a1a;color:#fff;font-size:.75rem;font-weight:700;border-radius:4px;padding:1px 6px;display:inline-block}
.alt summary::-webkit-details-marker{display:none}
.alt abbr{text-decoration:none}
.alt p{background:#fff;color:#1a1a1a;border:1px solid #8a8a8a;border-radius:6px;padding:6px 8px;margin:4px 0 0;font-size:.875rem}
details.cw>summary{cursor:pointer;font-weight:600;padding:6px 10px;background:#f3f3f3;border-radius:8px}
details.cw[open]>summary{margin-bottom:8px}
details.sensitive{margin-top:10px}
details.sensitive>summary{cursor:pointer;list-style:none;position:relative;font-weight:600}
details.sensitive>summary::-webkit-details-marker{display:none}
details.sensitive .blurred{margin:0}
details.sensitive .blurred .media{display:block;position:relative;overflow:hidden;border-radius:8px;background:#ddd}
details.sensitive .blurred img{display:block;width:100%;height:auto;max-height:560px;object-fit:fill;border-radius:0;background:#ddd}
details.sensitive .blurred:not(.n1) img{aspect-ratio:1/1}
details.sensitive .blur-filter{filter:blur(24px);transform:scale(1.15)}
details.sensitive .blur-none{display:block;aspect-ratio:16/9;background:#777}
details.sensitive .reveal{position:absolute;left:50%;top:50%;transform:translate(-50%,-50%);padding:6px 12px;border-radius:8px;background:#1a1a1a;color:#fff}
details.sensitive[open] .blurred,details.sensitive[open] .when-closed,details.sensitive:not([open]) .when-open{display:none}
details.sensitive[open] .reveal{position:static;transform:none;display:inline-block;margin-bottom:8px}
.cw-label{color:#555;font-weight:400}
.composer-options{display:flex;flex-wrap:wrap;gap:0 12px}
.composer-options>div{flex:1 1 200px}
input[type=file]{font:inherit;max-width:100%}
.pending-media{list-style:none;margin:12px 0 0;padding:0}
.pending-media li,.previews .preview{display:flex;gap:10px;align-items:flex-start;margin:0 0 10px}
.pending-media img,.pending-media video,.previews img,.previews video{width:96px;height:96px;object-fit:cover;border-radius:8px;flex:none;background:#eee}
.pending-media li>div,.previews .preview>div{flex:1}
.pending-media label,.previews label{margin-top:0}
.alt-reminder{color:#7a4a00;background:#fff6e0;border:1px solid #e8cf8f;padding:8px 10px;border-radius:8px;margin:12px 0 0}
.profile-header{display:block;width:100%;height:auto;border-radius:12px;margin-bottom:-40px;background:#eee}
.profile-avatar{position:relative}
.profile-avatar .avatar{border:3px solid #fff}
.header-preview{border-radius:8px;height:auto;max-width:100%}
@media (max-width:420px){main{padding:12px}header.site{padding:10px 12px}header.site ul{gap:2px 11px;font-size:.95rem}.actions button,.actions a{padding:3px 10px}}
@media (prefers-reduced-motion:reduce){*{transition:none!important}}
`;

/** `.fp-X-Y` (X, Y from 0 to 4) crops a covered image around its focal point (components/media.ts). */
function focalPointClasses(): string {
  const rules: string[] = [];
  for (let x = 0; x <= 4; x++) for (let y = 0; y <= 4; y++) rules.push(`.media-grid img.fp-${x}-${y}{object-position:${x * 25}% ${y * 25}%}`);
  return rules.join("\n");
}
