import sys

from phasetrans.cli import main

sys.exit(main())
