"""`python -m gradsh` runs the same command as the `gradsh` console script."""

from gradsh.entry import main

if __name__ == "__main__":
    main()
