"""``python -m sklearn_groove.cli``: the ``sklearn-groove`` command."""

import sys

from . import main

sys.exit(main())
