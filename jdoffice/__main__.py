"""``python -m jdoffice`` runs the command line."""

from jdoffice.cli import main

if __name__ == "__main__":
    main()
