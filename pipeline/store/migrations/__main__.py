"""`python -m pipeline.store.migrations revision "what changes"`: autogenerate a migration."""

import sys

from pipeline.store.migrations import revision

if len(sys.argv) != 3 or sys.argv[1] != "revision":
    sys.exit('usage: python -m pipeline.store.migrations revision "what changes"')
print(revision(sys.argv[2]))
