"""python -m mme_core.training"""

import sys

from mme_core.training.cli import main

sys.exit(main())
