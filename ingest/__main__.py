import sys

from ingest.ops.cli import main

sys.exit(main())
