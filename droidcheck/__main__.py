"""``python -m droidcheck``: the same as the ``droidcheck`` command."""

from droidcheck.cli import main

if __name__ == "__main__":
    main()
