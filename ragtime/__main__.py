"""`python -m ragtime ...` is the `ragtime` command."""

import sys

from ragtime.cli import main

sys.exit(main())
