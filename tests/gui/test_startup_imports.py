"""What the desk program loads before its window shows.

The window must be up well within 1,5 s, so the modules that only some screens or a later
moment need stay out of the start: the ORM loads on a worker thread with the first unit of
work, Alembic only to upgrade a schema, and the payment provider, the receipt printer, the
webhook server and every dialog (payment, sign-in, shift, Z-report, receipt) only when used.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

NOT_AT_START = (
    "sqlalchemy.orm",
    "jdoffice.adapters.orm",
    "alembic",
    "sqlalchemy.dialects.mysql",
    "sqlalchemy.dialects.postgresql",
    "stripe",
    "escpos",
    "uvicorn",
    "starlette",
    # The dialogs are imported when first opened (the sign-in with a school's first
    # sign-in): none is on screen when the window shows.
    "jdoffice.gui.views.payment_dialog",
    "jdoffice.gui.views.staff_dialogs",
    "jdoffice.gui.views.shift_dialogs",
    "jdoffice.gui.views.z_report_dialog",
    "jdoffice.gui.views.receipt_preview",
    "jdoffice.gui.views.qr_dialog",
    "jdoffice.gui.views.refund_dialog",
    "jdoffice.gui.views.settings_dialog",
    "jdoffice.gui.views.day_report_dialog",
    "jdoffice.printing",
    "segno",
)


def test_the_window_code_loads_without_the_orm_alembic_the_providers_or_the_dialogs() -> None:
    code = (
        "import json, sys\n"
        "import jdoffice.main, jdoffice.gui.app\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    loaded = json.loads(done.stdout)
    early = [
        m for m in loaded if any(m == name or m.startswith(f"{name}.") for name in NOT_AT_START)
    ]
    assert early == []
