"""The search box of the desk's main window and its results.

Results follow the typing, off the GUI thread; a slow early search never overwrites a later
one. Up/Down move in the results, Enter opens the student the receptionist sees highlighted:
new results put the highlight on their first row, unless it was moved (arrow keys, mouse)
since the last keystroke. Esc in the search box goes back to the open student (and the text
that found it). What is on screen is read again when the session says it changed.
"""

from __future__ import annotations

import time
from functools import partial

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QWidget

from jdoffice.domain.errors import JdofficeError, Unavailable
from jdoffice.gui.background import Latest
from jdoffice.gui.views.desk_student import DeskStudent
from jdoffice.gui.widgets import scaled_font
from jdoffice.services import queries
from jdoffice.services.changes import Changes
from jdoffice.services.ports import StudentHit

_MOVES = {
    Qt.Key.Key_Up: -1,
    Qt.Key.Key_Down: 1,
    Qt.Key.Key_PageUp: -10,
    Qt.Key.Key_PageDown: 10,
}


class DeskSearch(DeskStudent):
    """The search part of the desk's main window."""

    # A search running longer than this no longer holds back a newer one (a slow database).
    SEARCH_PATIENCE_MS = 250
    SEARCH_LIMIT = 50

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._searching = False
        self._search_again = False
        self._search_since = 0.0
        self._open_on_results = False
        # The highlight in the results: after a keystroke it goes to the first row of the
        # results that come, unless the receptionist moves it first (arrow keys, mouse).
        self._follow_first = False
        self._highlighting = False
        self._keep_no: str | None = None
        self._restoring = False
        self._search_latest = Latest(self)
        self.searchEdit.setFont(scaled_font(self.searchEdit.font(), 1.25))

    def focus_search(self) -> None:
        """Back to the search box, with its text selected so typing replaces it."""
        self.activateWindow()
        self.searchEdit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.searchEdit.selectAll()

    def search_now(self) -> None:
        """Search for what the box holds, now.

        Typing searches at once, with no wait after the keystroke; at most one search runs at
        a time. Keys typed while one runs are searched together as soon as it returns, and the
        older text's results are then dropped unseen, so the screen never goes back to an
        older text and fast typing never queues a search per key. A search that takes longer
        than :attr:`SEARCH_PATIENCE_MS` does not hold back the next one.
        """
        self._search_again = False
        ctx = self.ctx
        if ctx is None:
            return  # set_context() searches once the school is known
        text = self.searchEdit.text().strip()
        if not text:
            self._search_latest.cancel()
            self._searching = False
            self._open_on_results = False
            self._results.set_items([])
            self.searchInfoLabel.setText("")
            self.results_shown.emit("")
            return
        self._searching = True
        self._search_since = time.monotonic()
        self.search_started.emit(text)
        limit = self.SEARCH_LIMIT
        self._search_latest.run(
            lambda: queries.search_students(ctx.read_uow(), ctx.school, text, limit),
            on_success=partial(self._show_results, text),
            on_failure=partial(self._search_failed, text),
            tag="search",
        )

    def _search_edited(self) -> None:
        if not self._restoring:
            if self._student_no is not None and self._opened_text == self._search_text():
                # Typed back to the text that opened the student (a letter deleted and typed
                # again): the panel matches again, as after Esc, with that student's row kept.
                self._follow_first = False
                self._keep_no = self._student_no
                if self._mismatch:
                    self._set_mismatch(False)
            else:
                self._follow_first = True
                self._keep_no = None
                if self._student_no is not None:
                    self._set_mismatch(True)
        running_ms = (time.monotonic() - self._search_since) * 1000
        if self._searching and running_ms < self.SEARCH_PATIENCE_MS:
            self._search_again = True  # searched when the running one returns
        else:
            self.search_now()

    def _show_results(self, text: str, hits: list[StudentHit]) -> None:
        self._searching = False
        if self._search_again:
            self.search_now()  # the box changed meanwhile: these results are already old
            return
        current = self._current_hit()
        self._highlighting = True
        try:
            changed = self._results.set_items(hits)
        finally:
            self._highlighting = False
        if changed:
            self.columns.fit_results()
        # After a keystroke the best match is highlighted, so Enter opens the first row the
        # receptionist sees; a row they moved to since (or the student Esc went back to), and
        # the highlight of a refresh of the same text, stay where they are.
        keep = self._keep_no or (current.student_no if current and not self._follow_first else None)
        row = self._results.row_of(keep) if keep else -1
        if row < 0 and hits:
            row = 0
        if row >= 0 and (changed or row != self.resultsView.currentIndex().row()):
            self._highlight(row)
        self._follow_first = False
        self._keep_no = None
        n = len(hits)
        self.searchInfoLabel.setText(
            self.tr("Ingen fundet")
            if n == 0
            else self.tr("{0}+ fundet").format(n)
            if n >= self.SEARCH_LIMIT
            else self.tr("{0} fundet").format(n)
        )
        self._mark_fresh()
        self.results_shown.emit(text)
        if self._open_on_results:
            self._open_on_results = False
            self.open_current_result()

    def _search_failed(self, text: str, exc: BaseException) -> None:
        self._searching = False
        if self._search_again:
            self.search_now()
            return
        self._open_on_results = False
        if isinstance(exc, JdofficeError) and not isinstance(exc, Unavailable):
            self.searchInfoLabel.setText("")
            self.statusbar.showMessage(self.tr("Søgning efter «{0}»: {1}").format(text, exc), 6000)
            return
        self.session.unreachable(exc)

    def _current_hit(self) -> StudentHit | None:
        index = self.resultsView.currentIndex()
        if not index.isValid() or index.row() >= self._results.rowCount():
            return None
        return self._results.hit(index.row())

    def open_current_result(self) -> None:
        hit = self._current_hit()
        if hit is not None:
            self.open_student(hit.student_no)

    def _result_activated(self) -> None:
        self.open_current_result()

    def _search_enter(self) -> None:
        if self._searching:
            # Typed and pressed Enter faster than the search: open the best hit when it comes.
            self._open_on_results = True
            return
        self.open_current_result()

    def _move_in_results(self, step: int) -> None:
        rows = self._results.rowCount()
        if rows == 0:
            return
        index = self.resultsView.currentIndex()
        row = index.row() if index.isValid() else -1
        self._highlight(max(0, min(rows - 1, row + step)))
        self._follow_first = False  # the receptionist's choice outlives late results
        self._keep_no = None

    def _highlight(self, row: int) -> None:
        """Highlight result ``row`` for the desk (not a choice of the receptionist's)."""
        self._highlighting = True
        try:
            self.resultsView.selectRow(row)
        finally:
            self._highlighting = False

    def _result_row_changed(self) -> None:
        if not self._highlighting:
            # A click, or the arrow keys in the results table itself.
            self._follow_first = False
            self._keep_no = None

    def _search_text(self) -> str:
        return self.searchEdit.text().strip()

    def _search_key(self, event: QKeyEvent) -> bool:
        """A key pressed in the search box: True when the search handled it."""
        key = event.key()
        if key in _MOVES:
            self._move_in_results(_MOVES[Qt.Key(key)])
            return True
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self._search_enter()
            return True
        if key == Qt.Key.Key_Escape and self._mismatch:
            self.restore_open_student()
            return True
        return False

    def restore_open_student(self) -> None:
        """Esc in the search box: back to the open student and the text that found it."""
        if not self._mismatch:
            return
        self._open_on_results = False
        self._restoring = True
        try:
            self.searchEdit.setText(self._opened_text)
        finally:
            self._restoring = False
        self.searchEdit.selectAll()
        no = self._student_no
        self._follow_first = False
        self._keep_no = no
        row = self._results.row_of(no) if no is not None else -1
        if row >= 0:
            self._highlight(row)
        self._set_mismatch(False)
        if self._view is not None:
            self.statusbar.showMessage(
                self.tr("Tilbage til {0}.").format(self._view.student.name), 5000
            )

    # --- live refresh ---

    def refresh_now(self) -> None:
        """Read the open student and the results again (after money moved)."""
        self._load_student()
        if self.searchEdit.text().strip():
            if self._searching:
                self._search_again = True
            else:
                self.search_now()

    def _changes_found(self, found: Changes) -> None:
        """A poll found changes: read again only what is on screen and changed."""
        view = self._view
        if view is not None and view.student.id in found.students:
            # Even while a read runs: it may have started before this change committed (the
            # newest read's answer is the one shown).
            self._load_student()
        shown = {h.student_id for h in self._results.items()}
        if self.searchEdit.text().strip() and (found.profiles or shown & found.students):
            if self._searching:
                self._search_again = True
            else:
                self.search_now()
