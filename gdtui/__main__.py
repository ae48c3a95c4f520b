"""`python -m gdtui` runs the same command line as `gdtui`."""

from gdtui.cli import main

# Guarded: the training process (multiprocessing, spawn) imports the parent's main module.
if __name__ == "__main__":
    raise SystemExit(main())
