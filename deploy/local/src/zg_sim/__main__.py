import sys

from zg_sim.cli import main

sys.exit(main())
