#!/usr/bin/env python3
"""Check a built documentation site (by default `_docs/`, from `python tools/build_docs.py`).

    python tools/check_docs.py [SITE]     # exit 1 and list the problems if there are any

Problems (each fails the check):
- `nbs/_quarto.yml` or `nbs/nbdev.yml` (the standard nbdev/Quarto configuration) is missing;
- a notebook in `nbs/` (as nbdev finds them: not in `_`/`.` folders or files) has no page, or the home
  page's sidebar does not link to it;
- a public function or class of a module (in the module's `__all__` and in `genderaudio/_modidx.py`, nbdev's
  index of what each notebook exports) has no entry (an element with nbdev's anchor, e.g. `id="mfc"`) on
  the page of the notebook that exports it;
- an internal link (`href`/`src` to a local file) points at a file that is not there, or at a `#fragment`
  missing from the same page.

A link to a `#fragment` of another page that has no such element is only a warning: nbdev links every
backticked name it knows, methods included, and a method without its own `show_doc` has no anchor.
"""
import ast, sys, posixpath
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit, unquote

ROOT = Path(__file__).resolve().parent.parent

class _Scan(HTMLParser):
    "Collect a page's element ids, its local links, and the links inside its sidebar."
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.ids, self.links, self.nav_links, self._nav_depth = set(), [], [], 0
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if a.get('id'): self.ids.add(a['id'])
        if tag == 'a' and a.get('name'): self.ids.add(a['name'])
        if tag == 'nav' and a.get('id') == 'sidebar': self._nav_depth = 1
        elif tag == 'nav' and self._nav_depth: self._nav_depth += 1
        for k in ('href', 'src'):
            if a.get(k) is not None:
                self.links.append((tag, k, a[k]))
                if self._nav_depth and k == 'href': self.nav_links.append(a[k])
    def handle_endtag(self, tag):
        if tag == 'nav' and self._nav_depth: self._nav_depth -= 1

def scan(path:Path)->_Scan:
    s = _Scan(); s.feed(path.read_text(encoding='utf-8')); return s

def _local(url:str)->bool:
    u = urlsplit(url)
    return not (u.scheme or u.netloc or url.startswith(('data:', 'javascript:', 'mailto:')))

def module_all(py:Path):
    "Names in a module's `__all__` (read from the source, nothing imported); None if it has none."
    for node in ast.parse(py.read_text(encoding='utf-8')).body:
        if isinstance(node, ast.Assign) and any(getattr(t, 'id', None) == '__all__' for t in node.targets):
            try: return set(ast.literal_eval(node.value))
            except ValueError: return None
    return None

def public_api(cfg)->list:
    "`(qualified name, page, anchor)` for every public top-level function and class nbdev indexed."
    idx = cfg.lib_path/'_modidx.py'
    if not idx.exists(): return []
    ns = {}; exec(idx.read_text(encoding='utf-8'), ns)
    res = []
    for mod, syms in ns['d'].get('syms', {}).items():
        py = cfg.lib_path.parent/(mod.replace('.', '/') + '.py')
        exported = module_all(py) if py.exists() else None
        for qual, (link, _) in syms.items():
            name = qual[len(mod)+1:]
            if '.' in name or name.startswith('_') or (exported is not None and name not in exported): continue
            page, _, anchor = link.partition('#')
            res.append((qual, page, anchor))
    return res

def check_site(site:Path, cfg=None):
    "Return `(problems, warnings)` for the site in `site`."
    from nbdev.config import get_config, nbpath2html
    from nbdev.doclinks import nbglob
    cfg = cfg or get_config(ROOT)
    site = Path(site)
    problems, warnings = [], []
    if not (site/'index.html').exists(): return [f"{site}/index.html is missing: no home page"], []
    pages = {p.relative_to(site).as_posix(): scan(p) for p in site.rglob('*.html')}
    for f in ('_quarto.yml', 'nbdev.yml'):  # the standard configuration, so that `nbdev-docs` works with Quarto
        if not (cfg.nbs_path/f).exists(): problems.append(f"nbs/{f} is missing (nbdev's Quarto configuration)")

    # 1. a page for every notebook, linked from the home page's sidebar
    home_nav = {posixpath.normpath(unquote(urlsplit(h).path)) for h in pages['index.html'].nav_links if _local(h)}
    for nb in nbglob(cfg.nbs_path, func=Path):
        rel = Path(nb).relative_to(cfg.nbs_path)
        page = nbpath2html(rel).as_posix()
        if page not in pages: problems.append(f"nbs/{rel.as_posix()} has no page ({page} missing)")
        elif page not in home_nav: problems.append(f"nbs/{rel.as_posix()}: its page {page} is not in the sidebar")

    # 2. every public function and class documented on its notebook's page
    for qual, page, anchor in public_api(cfg):
        if page not in pages: problems.append(f"{qual}: its page {page} is missing")
        elif anchor not in pages[page].ids:
            problems.append(f"{qual}: no entry on {page} (no element with id '{anchor}'; was its show_doc hidden?)")

    # 3. internal links
    for rel, s in pages.items():
        for tag, attr, url in s.links:
            if not _local(url): continue
            u = urlsplit(url)
            if not u.path:  # same page
                if u.fragment and unquote(u.fragment) not in s.ids: problems.append(f"{rel}: <{tag} {attr}=\"{url}\">: no such anchor on the page")
                continue
            target = posixpath.normpath(posixpath.join(posixpath.dirname(rel), unquote(u.path)))
            if target.startswith('../') or not (site/target).is_file():
                problems.append(f"{rel}: <{tag} {attr}=\"{url}\">: {target} does not exist in the site")
            elif u.fragment and target in pages and unquote(u.fragment) not in pages[target].ids:
                warnings.append(f"{rel}: link to {target}#{u.fragment}: no such anchor there")
    return problems, warnings

def report(site:Path, cfg=None)->int:
    "Print the problems and warnings for `site`; return the number of problems."
    problems, warnings = check_site(site, cfg)
    for w in sorted(set(warnings)): print(f"warning: {w}")
    for p in problems: print(f"PROBLEM: {p}", file=sys.stderr)
    print(f"docs check: {len(problems)} problem(s), {len(set(warnings))} warning(s) in {site}")
    return len(problems)

if __name__ == '__main__':
    from nbdev.config import get_config
    cfg = get_config(ROOT)
    site = Path(sys.argv[1]) if len(sys.argv) > 1 else cfg.doc_path
    sys.exit(1 if report(site, cfg) else 0)
