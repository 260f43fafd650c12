"""nbdev notebook processors for the docs build (`tools/build_docs.py`), in a module of their own so that
nbdev's worker processes can import them.

To document the API, nbdev runs some cells of each notebook while processing it for the docs: exported cells,
`show_doc` cells, and every cell containing an import. That last rule goes wrong in two common cases, and
`nbdev-docs` with Quarto fails on them just the same:
- a cell flagged `#| data` (needs the real data sets) or `#| notest` that has an import: nbdev-test skips it, the
  docs build runs it and fails where the data is not there;
- a test cell that imports something and then uses variables from cells that the docs build does not run
  (nbdev warns "Found cells containing imports and other code. See FAQ.").
`exec_show_docs_unflagged` does not run flagged cells at all, and runs only the top-level import statements of a
cell whose one reason to run is its imports; its saved outputs stay as they were. Exported and `show_doc` cells run
exactly as nbdev runs them.
"""
import ast, warnings
from nbdev.processors import FilterDefaults, exec_show_docs

# nbdev's warning about such cells is moot here (they are handled below); it would only flood the build's output
warnings.filterwarnings('ignore', message='Found cells containing imports and other code')

_RUN_WHOLE = {'export', 'exports', 'exporti', 'exec_doc'}

def _import_only_source(cell):
    "For a cell nbdev would run only because it imports: the source of its top-level imports, if it has other code too."
    if set(getattr(cell, 'directives_', None) or {}) & _RUN_WHOLE: return None
    trees = cell.parsed_()
    if not trees: return None
    if any(isinstance(t, ast.Expr) and isinstance(t.value, ast.Call) and getattr(t.value.func, 'id', None) == 'show_doc'
           for t in trees): return None
    imports = [t for t in trees if isinstance(t, (ast.Import, ast.ImportFrom))]
    if len(imports) == len(trees): return None  # imports only: nbdev's own handling is right
    return '\n'.join(ast.unparse(t) for t in imports)

class exec_show_docs_unflagged(exec_show_docs):
    "nbdev's `exec_show_docs`, minus flagged cells, and minus the non-import code of cells run for their imports."
    def begin(self):
        from nbdev.config import get_config
        self.skip_flags = set(str(get_config().get('tst_flags', '')).split())
        super().begin()

    def __call__(self, cell):
        if self.skip_flags & set(getattr(cell, 'directives_', None) or {}): return
        if not (getattr(self.nb, 'has_docs_', None) and hasattr(self, 'k')): return
        from nbdev.processors import _do_eval
        src = _import_only_source(cell) if cell.cell_type == 'code' and _do_eval(cell) else None
        if src is None: return super().__call__(cell)
        if src: self.k.run(src)
        if (e := self.k.exc):
            title = getattr(self.nb, 'frontmatter_', {}).get('title', '')
            raise Exception(f"Error{' in notebook: '+title if title else ''} in the imports of cell {cell.idx_}:\n{src}\n"
                            f"{type(e).__name__}: {e}") from e

class DocsFilter(FilterDefaults):
    "nbdev's default notebook processors for docs, with `exec_show_docs_unflagged` in place of `exec_show_docs`."
    def base_procs(self): return [exec_show_docs_unflagged if p is exec_show_docs else p for p in super().base_procs()]
