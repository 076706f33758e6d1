"""What every repository of the unit of work shares: the open session."""

from __future__ import annotations

from sqlalchemy.orm import Session


class Repo:
    """A repository on the session of an open unit of work."""

    def __init__(self, session: Session) -> None:
        self.s = session
