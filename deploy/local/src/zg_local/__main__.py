"""`python -m zg_local {run,infra,dataset}`: the local platform without Docker."""

from zg_local.cli import main

raise SystemExit(main())
