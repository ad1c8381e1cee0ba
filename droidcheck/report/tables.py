"""Terminal tables whose identifier columns are never cut.

A run id (which ``diff`` takes), a fact or rule name, a serial or a file path is useless with its end
replaced by "…": the user copies it into the next command. So an identifier column is as wide as its
longest value and never wraps or truncates; the other columns (descriptions, titles, states) share what
is left and fold onto more lines. When the terminal is too narrow for that to stay readable, each row is
printed as a small block instead: the identifier on its own line (never folded: the terminal soft-wraps
it, so it copies whole), then indented ``column: value`` lines that fold like ordinary text.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.cells import cell_len
from rich.console import Console
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

Cell = str | Text
#: Narrowest useful width for a non-identifier column before the rows are printed as blocks instead.
MIN_OTHER = 10


def identifier_table(columns: Sequence[str], rows: Sequence[Sequence[Cell]], *, ids: Sequence[int] = (0,),
                     title: Cell | None = None) -> Table:
    """A table of ``columns`` whose columns at the indexes ``ids`` hold identifiers (never cut)."""
    table = Table(title=title, title_justify="left")
    for i, name in enumerate(columns):
        if i in ids:
            table.add_column(name, no_wrap=True, overflow="fold", min_width=_widest(name, rows, i))
        else:
            table.add_column(name, overflow="fold", ratio=1)
    for r in rows:
        table.add_row(*r)
    return table


def table_fits(columns: Sequence[str], rows: Sequence[Sequence[Cell]], ids: Sequence[int], width: int) -> bool:
    """Whether the identifier columns at full width leave every other column ``MIN_OTHER`` cells."""
    others = [i for i in range(len(columns)) if i not in ids]
    needed = sum(_widest(columns[i], rows, i) for i in ids) + MIN_OTHER * len(others) + 3 * len(columns) + 1
    return needed <= width


def print_identifier_table(columns: Sequence[str], rows: Sequence[Sequence[Cell]], *, ids: Sequence[int] = (0,),
                           title: Cell | None = None, console: Console | None = None) -> None:
    """Print ``rows`` as an :func:`identifier_table`, or as blocks when the terminal is too narrow for it."""
    console = console or Console()
    if table_fits(columns, rows, ids, console.width):
        console.print(identifier_table(columns, rows, ids=ids, title=title))
        return
    if title is not None:
        console.print(title if isinstance(title, Text) else Text(title), style="italic")
    for r in rows:
        head = Text(" ").join(_text(r[i]) for i in ids)
        head.stylize("bold")
        # on one line even when wider than the terminal: the terminal soft-wraps it, and copying it
        # (into 'droidcheck diff', a file manager) still gives the identifier whole
        console.print(head, overflow="ignore", no_wrap=True, crop=False, highlight=False)
        for i, name in enumerate(columns):
            if i not in ids and _text(r[i]).plain.strip():
                line = Text(f"{name}: ", style="dim") + _text(r[i])
                line.overflow = "fold"
                console.print(Padding(line, (0, 0, 0, 4), expand=False), highlight=False)


def _text(cell: Cell) -> Text:
    return cell if isinstance(cell, Text) else Text(str(cell))


def _widest(name: str, rows: Sequence[Sequence[Cell]], i: int) -> int:
    widths = [cell_len(line) for r in rows for line in _text(r[i]).plain.splitlines()]
    return max([cell_len(name), *widths])
