"""python -m mme_core.evaluation"""

import sys

from mme_core.evaluation.cli import main

sys.exit(main())
