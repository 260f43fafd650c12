#!/usr/bin/env python3
"""Build the documentation site into `_docs/` offline, without Quarto, then check it.

    python tools/build_docs.py               # build _docs/ and check it (exit 1 on a problem)
    python tools/build_docs.py --out DIR     # build somewhere else
    python tools/build_docs.py --force       # re-process every notebook, ignoring nbdev's _proc cache

Open `_docs/index.html` in a browser. The pages are what `nbdev-docs` would give with Quarto, from the
same inputs:

1. nbdev's own processing (`nbdev.serve.proc_nbs`, the step behind `nbdev-proc-nbs`, minus its Quarto
   install) writes processed notebooks to `_proc/`: front matter from each notebook's `# title` and
   `> summary`, `show_doc` entries run for every exported function and class, hidden and exported cells
   removed, backticked names linked to their documentation. Two changes (`docs_procs.py`): cells flagged
   `#| data` or `#| notest` are not run, and of a cell nbdev runs only for its imports just the imports run.
2. Each processed notebook becomes one HTML page (`05_corpora.ipynb` -> `corpora.html`, named as Quarto and
   nbdev's doc links name it), with the Quarto cell options nbdev leaves (`echo`, `output`, `include`,
   `code-fold`) applied, plots embedded as images, and links to notebooks or to the hosted docs turned
   into links between the local pages.
3. Every page gets a sidebar listing all pages in nbdev's sidebar order (`nbdev_sidebar`, as Quarto
   would show it) and a table of contents.
4. `check_docs.check_site` checks the result (see that file); any problem makes the build fail.

New notebooks in `nbs/` are picked up as they come: nothing here names a notebook.
"""
import argparse, contextlib, html, io, os, posixpath, re, shutil, sys, time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

def _text(v): return ''.join(v) if isinstance(v, list) else (v or '')

_re_ansi = re.compile(r'\x1B(?:[@-Z\\-_]|\[[0-?]*[ -/]*[@-~])')

# ---------------------------------------------------------------- pages and their order

def process_notebooks(cfg, force=False, n_workers=None)->Path:
    "Run nbdev's notebook processing (`DocsFilter`) into `_proc/`, incremental unless `force`; returns that folder."
    import nbdev.serve
    from fastcore.basics import defaults
    import docs_procs  # a module of its own, so that nbdev's worker processes can import it
    nbdev.serve.FilterDefaults = docs_procs.DocsFilter  # the processor class that proc_nbs hands each notebook's worker
    cache = cfg.config_path/'_proc'  # nbdev's cache; it knows nothing of docs_procs.py, so a change there invalidates it
    if cache.exists() and cache.stat().st_mtime < Path(docs_procs.__file__).stat().st_mtime: force = True
    return nbdev.serve.proc_nbs(str(cfg.nbs_path), n_workers=defaults.cpus if n_workers is None else n_workers, force=force)

def sidebar_contents(cfg)->list:
    "The sidebar Quarto would show: `nbs/sidebar.yml` if the project keeps a custom one, else nbdev's generated one."
    import yaml
    custom = cfg.nbs_path/'sidebar.yml'
    if cfg.custom_sidebar and custom.exists(): text = custom.read_text()
    else:
        from nbdev.quarto import nbdev_sidebar
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf): nbdev_sidebar.__wrapped__(path=cfg.nbs_path, printit=True, force=True)
        text = buf.getvalue()
    return (yaml.safe_load(text) or {}).get('website', {}).get('sidebar', {}).get('contents', []) or []

def _flatten(contents, depth=0):
    "Yield `(depth, kind, value)` for sidebar entries: ('page', nbs-relative path) or ('section', title)."
    for item in contents:
        if isinstance(item, str): yield depth, 'page', item
        elif isinstance(item, dict):
            if 'section' in item:
                yield depth, 'section', (item['section'], item.get('href'))
                yield from _flatten(item.get('contents', []), depth+1)
            elif 'href' in item: yield depth, 'page', item['href']
            elif 'contents' in item: yield from _flatten(item['contents'], depth)

class Page:
    "One page of the site: its source in `_proc/`, output path, title and description."
    def __init__(self, rel:str, cache:Path):
        import yaml
        from nbdev.config import nbpath2html
        self.rel, self.src = rel, cache/rel
        self.nb, fm = None, {}
        if self.src.suffix == '.ipynb':
            import nbformat
            self.nb = nbformat.read(self.src, as_version=4)
            first = self.nb.cells[0] if self.nb.cells else None
            if first is not None and first.cell_type == 'raw' and _text(first.source).lstrip().startswith('---'):
                fm = yaml.safe_load(_text(first.source).strip().strip('-')) or {}
                self.nb.cells = self.nb.cells[1:]
            self.body_md = None
        else:  # .qmd / .md pages: front matter, then markdown
            text = self.src.read_text(encoding='utf-8')
            m = re.match(r'^---\s*\n(.*?)\n---\s*\n', text, re.DOTALL)
            if m: fm, text = yaml.safe_load(m.group(1)) or {}, text[m.end():]
            self.body_md = text
        self.fm = fm
        name = fm.get('output-file') or nbpath2html(Path(rel)).name
        self.out = posixpath.join(posixpath.dirname(rel), name)
        self.title = str(fm.get('title') or Path(rel).stem)
        self.description = str(fm.get('description') or '')

    def url_from(self, other:'Page|str')->str:
        "Relative URL from this page to `other` (a Page or a site-relative path)."
        target = other.out if isinstance(other, Page) else other
        return posixpath.relpath(target, posixpath.dirname(self.out) or '.')

# ---------------------------------------------------------------- cell rendering

_re_directive = re.compile(r'^\s*#\|\s*([\w-]+)\s*:?\s*(.*?)\s*$')

def split_directives(source:str):
    "Quarto cell options at the top of a processed code cell (`#| echo: false` -> {'echo': 'false'}) and the code."
    lines, opts = source.splitlines(), {}
    while lines and (m := _re_directive.match(lines[0])):
        opts[m.group(1)] = m.group(2).strip('"\'')
        lines.pop(0)
    return opts, '\n'.join(lines).strip('\n')

def highlight_python(code:str)->str:
    from pygments import highlight
    from pygments.lexers import PythonLexer
    from pygments.formatters import HtmlFormatter
    return highlight(code, PythonLexer(), HtmlFormatter(cssclass='highlight'))

_re_div_open = re.compile(r'^(:{3,})\s*(?:\{([^}]*)\}|([\w-]+))\s*$')
_re_div_close = re.compile(r'^:{3,}\s*$')

_re_attr_link = re.compile(r'(!?)\[([^\]\n]*)\]\(([^)\s]+)\)\{([^}\n]*)\}')
_re_attr = re.compile(r'([\w-]+)=(?:"([^"]*)"|\'([^\']*)\'|(\S+))|\.([\w-]+)|#([\w-]+)')

def _attr_link(m)->str:
    "Pandoc's `[text](url){key=value .class}` (and the image form) as an HTML element."
    bang, text, url, attrs = m.groups()
    kv, classes = {}, []
    for a in _re_attr.finditer(attrs):
        if a.group(1): kv[a.group(1)] = next(v for v in a.group(2, 3, 4) if v is not None)
        elif a.group(5): classes.append(a.group(5))
        elif a.group(6): kv['id'] = a.group(6)
    if classes: kv['class'] = ' '.join(classes)
    extra = ''.join(f' {k}="{html.escape(v, quote=True)}"' for k, v in kv.items())
    if bang: return f'<img src="{html.escape(url, quote=True)}" alt="{html.escape(text, quote=True)}"{extra}>'
    return f'<a href="{html.escape(url, quote=True)}"{extra}>{html.escape(text)}</a>'

def _quarto_md(md:str)->str:
    "Quarto's markdown extensions that nbdev emits, in plain markdown/HTML: fenced divs (`::: {.callout-note}`) and link attributes."
    out, in_code = [], False
    for line in md.split('\n'):
        if line.lstrip().startswith(('```', '~~~')): in_code = not in_code
        if not in_code and '](' in line and '){' in line: line = _re_attr_link.sub(_attr_link, line)
        if not in_code and (m := _re_div_open.match(line)):
            attrs = m.group(2) if m.group(2) is not None else '.'+m.group(3)
            classes = [a[1:] for a in attrs.split() if a.startswith('.')]
            if any(c.startswith('callout') for c in classes): classes.insert(0, 'callout')
            out += ['', f'<div class="{html.escape(" ".join(classes))}">', '']
        elif not in_code and _re_div_close.match(line): out += ['', '</div>', '']
        else: out.append(line)
    return '\n'.join(out)

def markdown_html(md:str)->str:
    from nbconvert.filters.markdown_mistune import markdown2html_mistune
    return markdown2html_mistune(_quarto_md(md))

_MIME_ORDER = ('text/html', 'image/svg+xml', 'image/png', 'image/jpeg', 'image/gif', 'text/markdown', 'text/latex', 'text/plain')

def output_html(o)->str:
    kind = o.get('output_type')
    if kind == 'stream':
        cls = 'stderr' if o.get('name') == 'stderr' else 'stdout'
        return f'<pre class="output {cls}">{html.escape(_re_ansi.sub("", _text(o.get("text"))))}</pre>'
    if kind == 'error':
        tb = _re_ansi.sub('', '\n'.join(o.get('traceback', [])) or f"{o.get('ename')}: {o.get('evalue')}")
        return f'<pre class="output error">{html.escape(tb)}</pre>'
    data, meta = o.get('data', {}), o.get('metadata', {})
    mime = next((m for m in _MIME_ORDER if m in data), None)
    if mime is None: return ''
    value = _text(data[mime])
    if mime == 'text/html': return f'<div class="output html">{value}</div>'
    if mime == 'image/svg+xml': return f'<div class="output image">{value}</div>'
    if mime.startswith('image/'):
        size = meta.get(mime, {}) if isinstance(meta.get(mime), dict) else {}
        dims = ''.join(f' {k}="{int(size[k])}"' for k in ('width', 'height') if k in size)
        return f'<div class="output image"><img alt="output" src="data:{mime};base64,{value.strip()}"{dims}></div>'
    if mime == 'text/markdown': return f'<div class="output markdown">{markdown_html(value)}</div>'
    return f'<pre class="output result">{html.escape(_re_ansi.sub("", value))}</pre>'

def cell_html(cell)->str:
    src = _text(cell.get('source'))
    if cell.cell_type == 'markdown':
        return f'<div class="cell markdown">{markdown_html(src)}</div>' if src.strip() else ''
    if cell.cell_type == 'raw':  # only raw HTML is shown (Quarto passes it through)
        fmt = cell.get('metadata', {}).get('format', '') or cell.get('metadata', {}).get('raw_mimetype', '')
        return f'<div class="cell raw">{src}</div>' if 'html' in fmt else ''
    if cell.cell_type != 'code': return ''
    opts, code = split_directives(src)
    if opts.get('include', '').lower() == 'false': return ''
    parts = []
    if code and opts.get('echo', '').lower() != 'false':
        inp = f'<div class="input">{highlight_python(code)}</div>'
        fold = opts.get('code-fold', '').lower()
        if fold in ('true', 'show'):
            summary = html.escape(opts.get('code-summary') or 'Code')
            inp = f'<details class="code-fold"{" open" if fold == "show" else ""}><summary>{summary}</summary>{inp}</details>'
        parts.append(inp)
    if opts.get('output', '').lower() != 'false':
        outs = ''.join(output_html(o) for o in cell.get('outputs', []))
        if outs: parts.append(f'<div class="outputs">{outs}</div>')
    return f'<div class="cell code">{"".join(parts)}</div>' if parts else ''

# ---------------------------------------------------------------- whole-page post-processing

def slugify(text:str)->str:
    "Pandoc's (and so Quarto's) automatic identifier for a heading's text."
    s = re.sub(r'[^\w\s.-]', '', text.strip().lower())
    s = re.sub(r'\s+', '-', s)
    s = re.sub(r'^[^a-z]+', '', s)
    return s or 'section'

_re_heading = re.compile(r'<h([1-6])(?: id="[^"]*")?>(.*?)(?:<a class="anchor-link" href="#[^"]*">&#182;</a>)?</h\1>', re.DOTALL)

def _plain(fragment:str)->str: return html.unescape(re.sub(r'<[^>]+>', '', fragment))

def fix_headings(body:str):
    "Give every heading a unique Pandoc-style id with a permalink; return the body and its (level, id, text) list."
    seen, toc = {}, []
    def sub(m):
        level, inner = m.group(1), m.group(2)
        base = slugify(_plain(inner)); n = seen.get(base, 0); seen[base] = n+1
        hid = base if n == 0 else f'{base}-{n}'
        toc.append((int(level), hid, _plain(inner).strip()))
        return f'<h{level} id="{hid}" class="anchored">{inner}<a class="anchor-link" href="#{hid}" aria-label="Link to this section">#</a></h{level}>'
    return _re_heading.sub(sub, body), toc

def make_link_fixer(page:Page, by_source:dict, doc_url:str):
    "A function rewriting one href/src value of `page` so that it points at the local site."
    from nbdev.config import nbpath2html
    src_dir = posixpath.dirname(page.rel)
    def fix(url:str)->str:
        raw = html.unescape(url)
        if doc_url and raw.startswith(doc_url):  # nbdev links names to the hosted docs: keep readers on this site
            path, _, frag = raw[len(doc_url):].partition('#')
            path = path or 'index.html'
            if path.endswith('.html.md'): path = path[:-3]  # nbdev's "markdown version" links
            return html.escape(page.url_from(path) + (f'#{frag}' if frag else ''))
        if re.match(r'^[a-zA-Z][\w+.-]*:', raw) or raw.startswith(('#', '/')): return url
        path, _, frag = raw.partition('#')
        if Path(path).suffix not in ('.ipynb', '.qmd', '.md'): return url
        target = posixpath.normpath(posixpath.join(src_dir, path))
        if target in by_source: out = by_source[target].out
        elif path.endswith('.ipynb'): out = nbpath2html(Path(target)).as_posix()
        else: return url  # e.g. a README.md next to the notebooks: leave it as it is
        return html.escape(page.url_from(out) + (f'#{frag}' if frag else ''))
    return fix

_re_url_attr = re.compile(r'\b(href|src)="([^"]*)"')

# ---------------------------------------------------------------- the page shell

def nav_html(page:Page, entries, pages_by_rel:dict, toc)->str:
    items = []
    for depth, kind, value in entries:
        pad = f' style="padding-left:{0.75*depth:.2f}rem"' if depth else ''
        if kind == 'section':
            name, href = value
            label = html.escape(str(name).replace('_', ' '))
            p = pages_by_rel.get(href) if href else None
            items.append(f'<li class="section"{pad}>' + (f'<a href="{page.url_from(p)}">{label}</a>' if p else label) + '</li>')
            continue
        p = pages_by_rel.get(value)
        if p is None: continue
        current = p is page
        cls = ' class="active"' if current else ''
        aria = ' aria-current="page"' if current else ''
        items.append(f'<li{pad}><a{cls}{aria} href="{page.url_from(p)}">{html.escape(p.title)}</a></li>')
    return '<ul class="pages">' + ''.join(items) + '</ul>'

def toc_html(toc)->str:
    rows = [(l, i, t) for l, i, t in toc if l in (2, 3)]
    if len(rows) < 2: return ''
    items = ''.join(f'<li class="toc-h{l}"><a href="#{i}">{html.escape(t)}</a></li>' for l, i, t in rows)
    return f'<aside class="toc" aria-label="On this page"><h2>On this page</h2><ul>{items}</ul></aside>'

PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{head_title}</title>
<meta name="description" content="{description_attr}">
<meta name="generator" content="genderaudio tools/build_docs.py (nbdev processing, offline)">
<link rel="stylesheet" href="{css}">
</head>
<body>
<header class="topbar">
  <a class="site-title" href="{home}">{site}</a>
  <span class="site-description">{site_description}</span>
  {repo_link}
</header>
<div class="layout">
<nav class="sidebar" id="sidebar" aria-label="Pages">
{nav}
</nav>
<main class="content" id="content">
<header class="page-header">
<h1 class="title">{title}</h1>
{description}
</header>
{body}
<footer class="page-footer">Generated from <code>nbs/{source}</code>.</footer>
</main>
{toc}
</div>
</body>
</html>
"""

def _inline_code(text:str)->str:
    "Escape `text`, keeping its `code spans` (a front matter description is one line of markdown)."
    return re.sub(r'`([^`]+)`', r'<code>\1</code>', html.escape(text))

def render_page(page:Page, entries, pages_by_rel, by_source, cfg)->str:
    if page.nb is not None: body = '\n'.join(filter(None, (cell_html(c) for c in page.nb.cells)))
    else: body = f'<div class="cell markdown">{markdown_html(page.body_md)}</div>'
    body, toc = fix_headings(body)
    fix = make_link_fixer(page, by_source, cfg.get('doc_url', '') if cfg.get('doc_host') else '')
    body = _re_url_attr.sub(lambda m: f'{m.group(1)}="{fix(m.group(2))}"', body)
    site = cfg.get('title') or cfg.lib_name
    git_url = cfg.get('git_url', '')
    return PAGE.format(
        head_title=html.escape(page.title if page.title == site else f'{page.title} – {site}'),
        description_attr=html.escape(page.description or cfg.get('description', ''), quote=True),
        css=page.url_from('site.css'), home=page.url_from('index.html'), site=html.escape(site),
        site_description=html.escape(cfg.get('description', '')),
        repo_link=f'<a class="repo" href="{html.escape(git_url)}">Repository</a>' if git_url else '',
        nav=nav_html(page, entries, pages_by_rel, toc), title=html.escape(page.title),
        description=f'<p class="description">{_inline_code(page.description)}</p>' if page.description else '',
        body=body, source=html.escape(page.rel), toc=toc_html(toc))

CSS = """
:root { --accent:#2c6fbb; --border:#dde3ea; --muted:#5b6570; --code-bg:#f6f8fa; --side-w:17rem; --toc-w:15rem; }
* { box-sizing:border-box; }
html { scroll-padding-top:4rem; }
body { margin:0; font:16px/1.6 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif; color:#1f2328; background:#fff; }
a { color:var(--accent); text-decoration:none; } a:hover { text-decoration:underline; }
.topbar { position:sticky; top:0; z-index:10; display:flex; align-items:baseline; gap:1rem; padding:.7rem 1.25rem;
  background:var(--accent); color:#fff; box-shadow:0 1px 3px rgba(0,0,0,.15); }
.topbar a { color:#fff; } .site-title { font-weight:700; font-size:1.15rem; }
.site-description { opacity:.85; font-size:.9rem; flex:1; overflow:hidden; white-space:nowrap; text-overflow:ellipsis; }
.layout { display:grid; grid-template-columns:var(--side-w) minmax(0,1fr) var(--toc-w); align-items:start; }
.sidebar { position:sticky; top:3.2rem; max-height:calc(100vh - 3.2rem); overflow:auto; padding:1.25rem .75rem 2rem 1.25rem;
  border-right:1px solid var(--border); font-size:.92rem; }
.sidebar ul, .toc ul { list-style:none; margin:0; padding:0; }
.sidebar li { margin:.1rem 0; } .sidebar li.section { margin-top:.8rem; font-weight:600; color:var(--muted); }
.sidebar a { display:block; padding:.3rem .6rem; border-radius:6px; color:#1f2328; line-height:1.35; }
.sidebar a:hover { background:#eef3f9; text-decoration:none; }
.sidebar a.active { background:#e3edf8; color:var(--accent); font-weight:600; }
.content { min-width:0; padding:1.5rem 2.5rem 3rem; max-width:62rem; }
.toc { position:sticky; top:3.2rem; max-height:calc(100vh - 3.2rem); overflow:auto; padding:1.5rem 1rem; font-size:.85rem; }
.toc h2 { font-size:.8rem; text-transform:uppercase; letter-spacing:.05em; color:var(--muted); margin:0 0 .5rem; }
.toc li { margin:.15rem 0; } .toc .toc-h3 { padding-left:.8rem; } .toc a { color:var(--muted); word-break:break-word; }
.page-header { margin-bottom:1.5rem; border-bottom:1px solid var(--border); padding-bottom:1rem; }
.page-header h1 { margin:0 0 .3rem; font-size:2.1rem; line-height:1.2; }
.description { margin:0; font-size:1.15rem; color:var(--muted); font-style:italic; }
h2, h3, h4 { line-height:1.3; margin:1.8rem 0 .6rem; } h2 { font-size:1.55rem; } h3 { font-size:1.2rem; }
.anchor-link { visibility:hidden; margin-left:.4rem; color:var(--muted); font-weight:400; }
h1:hover .anchor-link, h2:hover .anchor-link, h3:hover .anchor-link, h4:hover .anchor-link { visibility:visible; }
code { font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace; font-size:.88em; background:var(--code-bg); padding:.1em .3em; border-radius:4px; }
pre { margin:0; overflow:auto; } pre code { background:none; padding:0; }
.highlight { background:var(--code-bg); border:1px solid var(--border); border-radius:6px; padding:.7rem .9rem; margin:.6rem 0; font-size:.86rem; line-height:1.45; }
.highlight pre { font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace; }
.cell { margin:0 0 1rem; }
.cell.code .input .highlight { margin-bottom:0; }
.outputs { margin:.3rem 0 0 .8rem; border-left:2px solid #f0a07a; padding-left:.8rem; }
.output { margin:.3rem 0; font-size:.86rem; }
pre.output { font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace; white-space:pre-wrap; word-break:break-word; }
pre.output.stderr { color:#8a5a00; background:#fff8e6; padding:.3rem .5rem; border-radius:4px; }
pre.output.error { color:#a40e26; background:#fff0f1; padding:.4rem .6rem; border-radius:4px; }
.output.image img { max-width:100%; height:auto; }
.output.markdown { font-size:1rem; }
.outputs:has(> .output.markdown:only-child) { border-left:0; margin-left:0; padding-left:0; }
.output.markdown hr { border:0; border-top:1px solid var(--border); margin:1.6rem 0 .8rem; }
.output.markdown h3, .output.markdown h4 { font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace; font-size:1.1rem; margin-top:.4rem; }
details.code-fold > summary { cursor:pointer; color:var(--muted); font-size:.85rem; }
table { border-collapse:collapse; margin:.8rem 0; font-size:.92rem; display:block; overflow-x:auto; }
th, td { border:1px solid var(--border); padding:.35rem .7rem; text-align:left; vertical-align:top; }
thead th { background:var(--code-bg); }
blockquote { margin:.8rem 0; padding:.1rem 1rem; border-left:4px solid var(--border); color:var(--muted); }
.callout { border:1px solid var(--border); border-left:5px solid var(--accent); border-radius:6px; padding:.2rem 1rem; margin:1rem 0; background:#f8fbff; }
.callout-warning, .callout-caution { border-left-color:#d9822b; background:#fffaf2; }
.callout-important { border-left-color:#c0392b; background:#fff6f5; }
.callout-tip { border-left-color:#2e8b57; background:#f4fbf6; }
.page-footer { margin-top:3rem; padding-top:1rem; border-top:1px solid var(--border); color:var(--muted); font-size:.85rem; }
@media (max-width:1200px) { .layout { grid-template-columns:var(--side-w) minmax(0,1fr); } .toc { display:none; } }
@media (max-width:760px) { .layout { display:block; } .sidebar { position:static; max-height:none; border-right:0; border-bottom:1px solid var(--border); }
  .content { padding:1rem; } .site-description { display:none; } }
"""

def site_css()->str:
    from pygments.formatters import HtmlFormatter
    return CSS + HtmlFormatter(style='default').get_style_defs('.highlight') + '\n.highlight { background:var(--code-bg); }\n'

# ---------------------------------------------------------------- build

def _copy_assets(cache:Path, out:Path, page_sources:set):
    "Files beside the notebooks (images and the like) go to the site too; configuration and page sources do not."
    for f in cache.rglob('*'):
        rel = f.relative_to(cache)
        if not f.is_file() or any(p.startswith(('_', '.')) for p in rel.parts): continue
        if f.suffix in ('.ipynb', '.qmd', '.yml', '.yaml') or rel.as_posix() in page_sources: continue
        (out/rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(f, out/rel)

def build(out:Path|None=None, force:bool=False, n_workers:int|None=None, check:bool=True, quiet:bool=False)->int:
    "Build the site into `out` (default: `doc_path` from pyproject.toml, `_docs/`); returns the number of problems."
    from nbdev.config import get_config
    t0 = time.time()
    os.chdir(ROOT)  # nbdev resolves its configuration from the working directory
    # show_doc cells import the package: let them find this checkout's even where it is not installed
    if str(ROOT) not in sys.path: sys.path.insert(0, str(ROOT))
    os.environ['PYTHONPATH'] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get('PYTHONPATH')]))
    cfg = get_config(ROOT)
    out = Path(out or cfg.doc_path).resolve()
    try: cache = process_notebooks(cfg, force=force, n_workers=n_workers)
    except Exception as e:
        print(f"PROBLEM: nbdev could not process the notebooks for the docs:\n{e}\n"
              "To document the API the build runs the exported cells, the show_doc cells and the imports "
              "of other cells (see tools/docs_procs.py).", file=sys.stderr)
        return 1
    t1 = time.time()
    entries = list(_flatten(sidebar_contents(cfg)))
    rels = [v for _, k, v in entries if k == 'page'] + [v[1] for _, k, v in entries if k == 'section' and v[1]]
    pages_by_rel = {}
    for rel in dict.fromkeys(rels):
        if not (cache/rel).exists(): raise FileNotFoundError(f"{rel} is in the sidebar but nbdev did not process it into {cache}")
        pages_by_rel[rel] = Page(rel, cache)
    by_source = {posixpath.normpath(r): p for r, p in pages_by_rel.items()}
    if out.exists(): shutil.rmtree(out)
    out.mkdir(parents=True)
    for page in pages_by_rel.values():
        dest = out/page.out
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_text(render_page(page, entries, pages_by_rel, by_source, cfg), encoding='utf-8')
    (out/'site.css').write_text(site_css(), encoding='utf-8')
    (out/'.nojekyll').write_text('')
    _copy_assets(cache, out, set(pages_by_rel))
    t2 = time.time()
    if not quiet:
        print(f"built {len(pages_by_rel)} pages into {out} "
              f"(notebook processing {t1-t0:.1f}s, rendering {t2-t1:.1f}s)")
    if not check: return 0
    import check_docs
    return check_docs.report(out, cfg)

def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--out', type=Path, help='output folder (default: _docs/)')
    p.add_argument('--force', action='store_true', help="process every notebook again instead of reusing nbdev's _proc/ cache")
    p.add_argument('--n-workers', type=int, help='parallel notebook processes (default: one per CPU; 0: in this process)')
    p.add_argument('--no-check', action='store_true', help='skip the checks of tools/check_docs.py')
    args = p.parse_args(argv)
    problems = build(args.out, force=args.force, n_workers=args.n_workers, check=not args.no_check)
    return 1 if problems else 0

if __name__ == '__main__': sys.exit(main())
