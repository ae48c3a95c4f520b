"""`python -m gdtui` runs the same command line as `gdtui`."""

from gdtui.cli.main import main

if __name__ == "__main__":
    raise SystemExit(main())
