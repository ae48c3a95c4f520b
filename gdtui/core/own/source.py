"""Reading a learner's program: a Python file, or a notebook's code cells up to the one
trained, and finding its training loop.

The **training loop** is the first top-level ``for`` or ``while`` loop whose body calls
``.backward()`` or updates a variable with ``-=``/``+=`` (directly or as ``x = x - …``); a
``# gdtui: loop`` comment on a loop's first line picks that one instead. What comes before
it is the setup, what comes after it runs when the loop ends.
"""

from __future__ import annotations

import ast
import dataclasses
import re
from dataclasses import dataclass
from pathlib import Path

LOOP_MARK = re.compile(r"#\s*gdtui:\s*loop\b")
"""The comment that picks a loop as the training loop."""
_MAGIC = re.compile(r"^(\s*)([%!].*|[\w.]+\?\??\s*)$")
"""An IPython line magic (``%matplotlib inline``), a shell escape (``!pip install``) or a
help request (``np.mean?``): not Python, so it runs as ``pass``."""
_CELL_MAGICS_THAT_RUN_PYTHON = ("%%time", "%%timeit", "%%capture")


class ProgramError(Exception):
    """A file that cannot be used as a program: the message names the file and what is
    wrong (exit status 2)."""


@dataclass(frozen=True)
class Cell:
    """A stretch of the program's text: a notebook's code cell, or a whole file."""

    number: int | None
    """The cell's place among the notebook's code cells, from 1; None for a file."""
    first_line: int
    """The line of the program's joined text its first line is (from 1)."""
    lines: int


@dataclass(frozen=True)
class Source:
    """A program's text, as one module: a file's, or its notebook cells' joined in order."""

    path: Path
    text: str
    cells: tuple[Cell, ...]
    tree: ast.Module
    label: str = ""
    """The file as the learner named it (on the command line); its path by default."""

    @property
    def name(self) -> str:
        """The file as the learner named it."""
        return self.label or str(self.path)

    @property
    def notebook(self) -> bool:
        """Whether the program is a notebook's cells."""
        return self.cells[0].number is not None

    def where(self, line: int) -> tuple[int | None, int]:
        """(the code cell, or None in a file; the line in it) of a line of the joined text."""
        for cell in reversed(self.cells):
            if line >= cell.first_line:
                return cell.number, line - cell.first_line + 1
        return self.cells[0].number, line

    def place(self, line: int) -> str:
        """``mine.py:12``, or ``mine.ipynb:cell 3:12`` in a notebook."""
        cell, in_cell = self.where(line)
        return f"{self.name}:{in_cell}" if cell is None else f"{self.name}:cell {cell}:{in_cell}"

    def line_text(self, line: int) -> str:
        """The text of a line of the joined text, without its end."""
        lines = self.text.splitlines()
        return lines[line - 1] if 1 <= line <= len(lines) else ""

    def segment(self, node: ast.stmt) -> str:
        """A statement's own text, dedented to column 0: from where it starts to where it
        ends (a line of several statements, ``a = 1; b = 2``, gives each its own), the
        comments on its inner lines included."""
        lines = self.text.splitlines()[node.lineno - 1 : node.end_lineno]
        indent = node.col_offset
        end = node.end_col_offset
        if end is not None and lines:
            lines[-1] = lines[-1].encode()[:end].decode(errors="ignore")
        first = lines[0].encode()[indent:].decode(errors="ignore") if lines else ""
        rest = [line[indent:] if line[:indent].isspace() else line for line in lines[1:]]
        return "\n".join([first, *rest])


def read_source(path: Path, cell: int | None = None, label: str = "") -> Source:
    """The program in ``path``: a notebook (``.ipynb``) up to its ``cell``-th code cell (by
    default the last with a training loop), or a Python file; ``label`` is how the learner
    named it. Raises ProgramError."""
    source = _read(path, cell)
    return dataclasses.replace(source, label=label) if label else source


def _read(path: Path, cell: int | None) -> Source:
    if not path.exists():
        raise ProgramError(f"{path}: no such file")
    if path.is_dir():
        raise ProgramError(f"{path}: is a folder: give a Python file or a Jupyter notebook")
    if path.suffix == ".ipynb":
        return _notebook(path, cell)
    if cell is not None:
        raise ProgramError(f"{path}: --cell picks a notebook's cell; this is not a notebook")
    text = _read_text(path)
    source = Source(path, text, (Cell(None, 1, text.count("\n") + 1),), _parse(path, text))
    training_loop(source)  # a file without one cannot be used
    return source


def training_loop(source: Source) -> ast.For | ast.While:
    """The program's training loop (see the module's docstring), in a notebook's last
    cell; raises ProgramError."""
    last = source.cells[-1].first_line  # a notebook's loop is in the cell trained
    loops = [
        node
        for node in top_level(source.tree)
        if isinstance(node, ast.For | ast.While) and node.lineno >= last
    ]
    marked = [loop for loop in loops if LOOP_MARK.search(source.line_text(loop.lineno))]
    if marked:
        return marked[0]
    # The first that calls backward(), else the first that steps a variable down a product
    # (w -= lr * dw), else the first with any -= or +=: a loop summing the data comes first.
    for test in (_calls_backward, _steps, trains):
        for loop in loops:
            if test(loop):
                return loop
    inner = [
        node
        for node in ast.walk(source.tree)
        if isinstance(node, ast.For | ast.While) and node not in loops and trains(node)
    ]
    if inner:
        raise ProgramError(
            f"{source.place(inner[0].lineno)}: the training loop is inside a function or a "
            "block; gdtui steps a loop at the top level of the file (or of its "
            "if __name__ == '__main__': block): move it there"
        )
    where = "its cells" if source.notebook else "its"
    raise ProgramError(
        f"{source.name}: no training loop: none of {where} top-level for or while loops calls "
        ".backward() or updates a variable with -= or +=; mark one with # gdtui: loop"
    )


def top_level(tree: ast.Module) -> list[ast.stmt]:
    """The module's statements, those of its ``if __name__ == "__main__":`` block in its
    place (the block always runs: the program is the main module)."""
    found: list[ast.stmt] = []
    for node in tree.body:
        if isinstance(node, ast.If) and not node.orelse and _is_main_test(node.test):
            found.extend(node.body)
        else:
            found.append(node)
    return found


def _is_main_test(test: ast.expr) -> bool:
    return ast.unparse(test).replace("'", '"') in (
        '__name__ == "__main__"',
        '"__main__" == __name__',
    )


def _calls_backward(loop: ast.For | ast.While) -> bool:
    return any(
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "backward"
        for node in ast.walk(ast.Module(body=loop.body, type_ignores=[]))
    )


def _steps(loop: ast.For | ast.While) -> bool:
    """Whether the loop takes a variable down a product (``w -= lr * dw``)."""
    for node in ast.walk(ast.Module(body=loop.body, type_ignores=[])):
        if isinstance(node, ast.AugAssign):
            value = node.value
            product = isinstance(value, ast.BinOp) and isinstance(value.op, ast.Mult | ast.Div)
            if isinstance(node.op, ast.Sub) and product:
                return True
        named = isinstance(node, ast.Assign) and stepped_name(node) is not None
        if named and isinstance(getattr(node.value, "right", None), ast.BinOp):  # type: ignore[attr-defined]
            return True
    return False


def trains(loop: ast.For | ast.While) -> bool:
    """Whether a loop's body calls ``.backward()`` or updates a variable by ``-=``, ``+=``,
    ``x = x - …`` or ``x = x + …``."""
    for node in ast.walk(ast.Module(body=loop.body, type_ignores=[])):
        called = isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
        if called and node.func.attr == "backward":  # type: ignore[attr-defined]
            return True
        if isinstance(node, ast.AugAssign) and isinstance(node.op, ast.Sub | ast.Add):
            return True
        if isinstance(node, ast.Assign) and stepped_name(node) is not None:
            return True
    return False


def stepped_name(node: ast.Assign) -> str | None:
    """``w`` for ``w = w - …`` or ``w = w + …``; else None."""
    if len(node.targets) != 1 or not isinstance(node.targets[0], ast.Name):
        return None
    value = node.value
    steps = isinstance(value, ast.BinOp) and isinstance(value.op, ast.Sub | ast.Add)
    left = value.left if isinstance(value, ast.BinOp) else None
    if steps and isinstance(left, ast.Name) and left.id == node.targets[0].id:
        return left.id
    return None


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        reason = f"{path}: not UTF-8 text (byte {error.start}): not a Python file"
        raise ProgramError(reason) from None
    except OSError as error:
        raise ProgramError(f"{path}: cannot be read: {error.strerror or error}") from None


def _parse(path: Path, text: str, cells: tuple[Cell, ...] | None = None) -> ast.Module:
    try:
        return ast.parse(text, filename=str(path))
    except SyntaxError as error:
        line = error.lineno or 1
        place = f"{path}:{line}"
        if cells is not None:
            probe = Source(path, text, cells, ast.Module(body=[], type_ignores=[]))
            place = probe.place(line)
        raise ProgramError(f"{place}: syntax error: {error.msg}") from None
    except ValueError as error:  # a NUL byte
        raise ProgramError(f"{path}: not a Python file: {error}") from None


def _notebook(path: Path, cell: int | None) -> Source:
    import nbformat

    try:
        notebook = nbformat.read(str(path), as_version=4)  # type: ignore[no-untyped-call]
    except OSError as error:
        raise ProgramError(f"{path}: cannot be read: {error.strerror or error}") from None
    except Exception as error:  # nbformat raises several kinds for what is not a notebook
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise ProgramError(f"{path}: not a Jupyter notebook ({reason})") from None
    codes = [_python(c.source) for c in notebook.cells if c.cell_type == "code"]
    if not codes:
        raise ProgramError(f"{path}: the notebook has no code cells")
    if cell is not None and not 1 <= cell <= len(codes):
        raise ProgramError(f"{path}: --cell {cell}: the notebook has code cells 1 to {len(codes)}")
    source = read_cells(path, codes, cell or len(codes))
    if cell is not None:
        _cell_loop(source, cell)
        return source
    for number in range(len(codes), 0, -1):  # the last cell with a training loop
        try:
            return _cell_loop(read_cells(path, codes, number), number)
        except ProgramError:
            continue
    raise ProgramError(
        f"{path}: no training loop in any code cell: none has a top-level for or while loop "
        "that calls .backward() or updates a variable with -= or +=; mark one with # gdtui: loop"
    )


def read_cells(path: Path, codes: list[str], last: int) -> Source:
    """The source of a notebook's code cells 1 to ``last``, joined."""
    joined, cells, first = [], [], 1
    for number, code in enumerate(codes[:last], start=1):
        lines = code.count("\n") + 1
        cells.append(Cell(number, first, lines))
        joined.append(code)
        first += lines
    text = "\n".join(joined) + "\n"
    return Source(path, text, tuple(cells), _parse(path, text, tuple(cells)))


def _cell_loop(source: Source, number: int) -> Source:
    """``source`` if its training loop is in its last cell, ``number``; else ProgramError."""
    last = source.cells[-1]
    try:
        loop = training_loop(source)
    except ProgramError:
        loop = None
    if loop is None or loop.lineno < last.first_line:
        raise ProgramError(f"{source.name}: --cell {number}: that cell has no training loop")
    return source


def _python(code: str) -> str:
    """A code cell's text with IPython's own syntax made ``pass``, line for line."""
    lines = code.split("\n")
    if lines and lines[0].startswith("%%"):
        if not lines[0].startswith(_CELL_MAGICS_THAT_RUN_PYTHON):
            return "\n".join("" for _ in lines)  # %%bash and the like: not Python
        lines[0] = "pass"
    return "\n".join(_MAGIC.sub(r"\1pass", line) for line in lines)
