"""`python -m gdtui` runs the same command line as `gdtui`."""

from gdtui.cli import main

raise SystemExit(main())
