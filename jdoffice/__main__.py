"""``python -m jdoffice`` runs the program (the desk window, or the command line)."""

from jdoffice.main import main

if __name__ == "__main__":
    main()
