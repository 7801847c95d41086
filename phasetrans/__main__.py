"""``python -m phasetrans``: the ``phasetrans`` command line."""

from __future__ import annotations

import sys

from phasetrans.cli import main

if __name__ == "__main__":
    sys.exit(main())
