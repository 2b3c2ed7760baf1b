"""``python -m optverify``: the same as the ``optverify`` command."""

import sys

from optverify.cli import main

sys.exit(main())
